// Draws the dashboard's charts with ECharts from the figures the server put in the page (no fetch, no JSON
// shown): each <div data-chart="key"> gets the chart of that key in #dash-data.
(() => {
  const data = document.getElementById('dash-data');
  if (!data || !window.echarts) return;
  const charts = JSON.parse(data.textContent);
  const font = getComputedStyle(document.documentElement).fontFamily;
  for (const el of document.querySelectorAll('[data-chart]')) {
    const c = charts[el.dataset.chart];
    if (!c) continue;
    const chart = window.echarts.init(el, null, { renderer: 'canvas' });
    const base = {
      textStyle: { fontFamily: font },
      tooltip: { trigger: c.kind === 'pie' ? 'item' : 'axis' },
    };
    if (c.kind === 'pie') {
      chart.setOption({
        ...base,
        legend: { bottom: 0, type: 'scroll' },
        series: [
          {
            type: 'pie',
            radius: ['40%', '68%'],
            center: ['50%', '44%'],
            data: c.labels.map((name, i) => ({ name, value: c.values[i] })),
            label: { formatter: '{b}: {c}' },
          },
        ],
      });
    } else {
      const series = [
        { name: c.name, type: 'bar', data: c.values, itemStyle: { color: '#2563eb' }, barMaxWidth: 36 },
      ];
      if (c.line)
        series.push({
          name: c.line.name,
          type: 'line',
          yAxisIndex: 1,
          data: c.line.values,
          itemStyle: { color: '#f59e0b' },
        });
      chart.setOption({
        ...base,
        legend: c.line ? { top: 0 } : undefined,
        grid: { left: 48, right: c.line ? 64 : 16, top: c.line ? 32 : 16, bottom: 32 },
        xAxis: { type: 'category', data: c.labels, axisLabel: { interval: 0, hideOverlap: true } },
        yAxis: c.line
          ? [{ type: 'value', minInterval: 1 }, { type: 'value' }]
          : [{ type: 'value', minInterval: 1 }],
        series,
      });
    }
    el.dataset.rendered = 'true';
    window.addEventListener('resize', () => chart.resize());
  }
})();
