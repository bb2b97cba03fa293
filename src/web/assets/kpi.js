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
      legend: { bottom: 0, itemGap: 14, itemWidth: 16, itemHeight: 10 },
      grid: { left: 44, right: 16, top: 12, bottom: (c.series.length > 2 ? 66 : 48) + (c.wrap ? 18 : 0) },
      xAxis: {
        type: 'category',
        data: c.labels,
        axisLabel: c.wrap
          ? { interval: 0, width: 80, overflow: 'break', lineHeight: 14 }
          : { hideOverlap: true },
      },
      yAxis: c.percent
        ? { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } }
        : { type: 'value', minInterval: 1 },
      series: c.series.map((s) => {
        const style = s.color ? { itemStyle: { color: s.color }, lineStyle: { color: s.color } } : {};
        return c.kind === 'line'
          ? { name: s.name, type: 'line', data: s.values, connectNulls: true, symbolSize: 7, ...style }
          : {
              name: s.name,
              type: 'bar',
              data: s.values,
              barMaxWidth: 28,
              stack: c.percent ? undefined : 'n',
              ...style,
            };
      }),
    });
    el.dataset.rendered = 'true';
    window.addEventListener('resize', () => chart.resize());
  }
})();
