// Draws the KPI page's charts with ECharts from the figures the server put in the page (#kpi-data): a
// line chart of shares in percent, or grouped bars. Each <div data-chart="key"> gets the chart of that key.
(() => {
  const data = document.getElementById('kpi-data');
  if (!data || !window.echarts) return;
  const charts = JSON.parse(data.textContent);
  const font = getComputedStyle(document.documentElement).fontFamily;
  const colors = ['#2563eb', '#059669', '#f59e0b', '#dc2626', '#7c3aed'];
  for (const el of document.querySelectorAll('[data-chart]')) {
    const c = charts[el.dataset.chart];
    if (!c) continue;
    const chart = window.echarts.init(el, null, { renderer: 'canvas' });
    const pct = (v) => (v === null || v === undefined ? '—' : `${v}%`);
    chart.setOption({
      color: colors,
      textStyle: { fontFamily: font },
      tooltip: {
        trigger: 'axis',
        valueFormatter: c.percent ? pct : undefined,
      },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 44, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: c.labels, axisLabel: { hideOverlap: true } },
      yAxis: c.percent
        ? { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } }
        : { type: 'value', minInterval: 1 },
      series: c.series.map((s) =>
        c.kind === 'line'
          ? { name: s.name, type: 'line', data: s.values, connectNulls: true, symbolSize: 7 }
          : {
              name: s.name,
              type: 'bar',
              data: s.values,
              barMaxWidth: 28,
              stack: c.percent ? undefined : 'n',
            },
      ),
    });
    el.dataset.rendered = 'true';
    window.addEventListener('resize', () => chart.resize());
  }
})();
