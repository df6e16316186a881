// The alert page's chart (uPlot, served by custos): the actor's hourly volume, their own
// band (usual to limit) and their peers' median, the alert's window shaded and labelled, and
// the hours still open (no activity row stored yet, counted from the events) ringed. After each
// draw the plotted point counts are written to data-rendered on the chart element (tests read them).
(function () {
  var el = document.getElementById('chart');
  var src = document.getElementById('chart-data');
  if (!el || !src || typeof uPlot === 'undefined') return;
  var d = JSON.parse(src.textContent);
  var win = d.window;
  var count = function (arr) { return arr.filter(function (v) { return v !== null && v !== undefined; }).length; };

  var open = d.open || [];

  function shadeWindow(u) {
    var ctx = u.ctx;
    var x0 = u.valToPos(win[0], 'x', true);
    var x1 = u.valToPos(Math.max(win[1], win[0] + 1800), 'x', true);
    ctx.save();
    ctx.fillStyle = 'rgba(185, 28, 28, 0.12)';
    ctx.fillRect(x0, u.bbox.top, Math.max(2, x1 - x0), u.bbox.height);
    ctx.strokeStyle = 'rgba(185, 28, 28, 0.7)';
    ctx.lineWidth = devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x0, u.bbox.top);
    ctx.lineTo(x0, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.fillStyle = 'rgba(185, 28, 28, 0.9)';
    ctx.font = (11 * devicePixelRatio) + 'px sans-serif';
    ctx.textAlign = 'right';
    ctx.fillText('alert window', x0 - 4 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
    ctx.restore();
  }

  // The open hours' points, ringed: their value is the hour so far, not a closed hour's peak.
  function ringOpen(u) {
    var ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = '#c2410c';
    ctx.fillStyle = '#fff';
    ctx.lineWidth = 2 * devicePixelRatio;
    for (var i = 0; i < u.data[0].length; i++) {
      if (open.indexOf(u.data[0][i]) < 0) continue;
      var px = u.valToPos(u.data[0][i], 'x', true);
      var py = u.valToPos(u.data[1][i], 'y', true);
      ctx.beginPath();
      ctx.arc(px, py, 4 * devicePixelRatio, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
    ctx.restore();
  }

  function report(u) {
    // What was drawn: points inside the plotting area per series, and where a few of them are.
    var inside = function (idx) {
      var n = 0;
      for (var i = 0; i < u.data[0].length; i++) {
        var v = u.data[idx][i];
        if (v === null || v === undefined) continue;
        var px = u.valToPos(u.data[0][i], 'x', false);
        var py = u.valToPos(v, 'y', false);
        if (px >= 0 && px <= u.bbox.width / devicePixelRatio + 1 && py >= -1 && py <= u.bbox.height / devicePixelRatio + 1) n++;
      }
      return n;
    };
    el.dataset.rendered = JSON.stringify({
      points: u.data[0].length,
      actor: inside(1), bandLow: inside(2), bandHigh: inside(3), peers: inside(4),
      expected: { actor: count(d.actor), bandLow: count(d.bandLow), bandHigh: count(d.bandHigh), peers: count(d.peers) },
      maxActor: Math.max.apply(null, d.actor),
      open: open.map(function (t) { var i = u.data[0].indexOf(t); return { x: t, value: i < 0 ? null : u.data[1][i], inWindow: t + 3600 > win[0] && t <= win[1] }; }),
      window: win
    });
  }

  var opts = {
    width: Math.max(600, el.clientWidth),
    height: 320,
    scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(5, max * 1.1)]; } } },
    series: [
      { label: 'hour (UTC)', value: '{YYYY}-{MM}-{DD} {HH}:00' },
      { label: 'actor', stroke: '#c2410c', width: 2, points: { show: false } },
      { label: 'own usual', stroke: '#1f5fbf', width: 1 },
      { label: 'own limit', stroke: '#1f5fbf', width: 1, dash: [4, 3] },
      { label: 'peers (median)', stroke: '#7a5cc7', width: 1, dash: [2, 2] }
    ],
    bands: [{ series: [3, 2], fill: 'rgba(31, 95, 191, 0.18)' }],
    axes: [{}, { label: 'distinct customers / hour' }],
    hooks: { drawClear: [shadeWindow], draw: [ringOpen, report] }
  };
  var u = new uPlot(opts, [d.x, d.actor, d.bandLow, d.bandHigh, d.peers], el);
  window.custosChart = u;
  window.addEventListener('resize', function () { u.setSize({ width: Math.max(600, el.clientWidth), height: 320 }); });
})();
