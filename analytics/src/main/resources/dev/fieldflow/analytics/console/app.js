// The fieldflow console: reads the console's JSON and draws the three parts of the page.
// Plain browser JavaScript, no build step; Chart.js comes from the console itself.
'use strict';

Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

const charts = {};

function $(id) { return document.getElementById(id); }

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([k, v]) => node.setAttribute(k, v));
  children.flat().forEach(c => node.append(c instanceof Node ? c : document.createTextNode(c ?? '')));
  return node;
}

/** GETs or POSTs and returns the JSON body; a refusal becomes an Error with the console's message. */
async function request(url, options) {
  const response = await fetch(url, options);
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.error || ('HTTP ' + response.status));
  }
  return body;
}

function showError(id, error) {
  const box = $(id);
  if (error) {
    box.textContent = error.message || String(error);
    box.hidden = false;
  } else {
    box.textContent = '';
    box.hidden = true;
  }
}

function number(n) { return n === null || n === undefined ? '—' : Number(n).toLocaleString('en'); }

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 120) return seconds.toFixed(1) + ' s';
  if (seconds < 7200) return (seconds / 60).toFixed(1) + ' min';
  if (seconds < 172800) return (seconds / 3600).toFixed(1) + ' h';
  return (seconds / 86400).toFixed(1) + ' d';
}

/**
 * A table of rows; numeric[i] says column i holds numbers, right-aligned. A number JSON cannot
 * carry exactly (a bigint beyond 2^53, a numeric) comes as a string of its digits, shown as sent.
 */
function table(columns, rows, numeric) {
  return el('table', {},
    el('thead', {}, el('tr', {}, columns.map(c => el('th', {}, c)))),
    el('tbody', {}, rows.map(row => el('tr', {}, row.map((v, i) =>
      el('td', numeric && numeric[i] && v !== null ? {class: 'number'} : {}, v === null ? 'NULL' : String(v)))))));
}

function drawChart(id, config) {
  if (charts[id]) charts[id].destroy();
  charts[id] = new Chart($(id), config);
}

// ---------------------------------------------------------------------------------------
// Ingestion
// ---------------------------------------------------------------------------------------

async function loadIngestion() {
  let report;
  try {
    report = await request('/api/ingestion');
    showError('ingestion-error', null);
  } catch (e) {
    showError('ingestion-error', e);
    return;
  }
  $('operator-role').textContent = report.operator;
  $('read-at').textContent = report.readAt;
  $('pipelines').replaceChildren(...report.pipelines.map(p => {
    const fields = [
      ['files done', number(p.filesDone)], ['files failed', number(p.filesFailed)],
      ['files running', number(p.filesRunning)], ['backlog', number(p.backlog)],
      ['failed, superseded', number(p.filesSuperseded)],
      ['rows loaded', number(p.rowsLoaded)], ['rows updated', number(p.rowsUpdated)],
      ['duplicates', number(p.duplicates)], ['lines rejected', number(p.rejected)],
      ['in quarantine', number(p.quarantined)],
      ['last commit', p.lastCommit || 'none yet'], ['last file', p.lastFile || '—'],
      ['ingest lag', duration(p.lastFileLagSeconds)], ['freshness', duration(p.freshnessSeconds)],
    ];
    return el('div', {class: 'card', id: 'pipeline-' + p.pipeline},
      el('h3', {}, p.pipeline),
      el('dl', {}, fields.map(([k, v]) => [el('dt', {}, k), el('dd', {'data-field': k}, v)]).flat()));
  }));

  const inputs = report.completeness || [];
  $('completeness-part').hidden = inputs.length === 0;
  $('completeness').replaceChildren(...inputs.map(i => {
    const fields = [
      ['complete through', i.completeThrough || 'not yet'], ['last listing', i.lastListedAt || '—'],
      ['files waiting', number(i.filesWaiting)], ['ingest lag (median)', duration(i.ingestLagSeconds)],
      ['ingest lag (max)', duration(i.ingestLagMaxSeconds)],
    ];
    return el('div', {class: 'card completeness'},
      el('h3', {}, i.input),
      el('dl', {}, fields.map(([k, v]) => [el('dt', {}, k), el('dd', {'data-field': k}, v)]).flat()));
  }));

  const hours = [...new Set(report.hours.map(h => h.hour))];
  const pipelines = [...new Set(report.hours.map(h => h.pipeline))];
  const value = (pipeline, hour, field) => {
    const h = report.hours.find(x => x.pipeline === pipeline && x.hour === hour);
    return h ? h[field] : 0;
  };
  drawChart('hourly-chart', {
    data: {
      labels: hours.map(h => h.substring(0, 13) + 'h'),
      datasets: pipelines.flatMap(p => [
        {type: 'bar', label: p + ' rows', yAxisID: 'rows', data: hours.map(h => value(p, h, 'rows'))},
        {type: 'line', label: p + ' files', yAxisID: 'files', data: hours.map(h => value(p, h, 'files'))},
      ]),
    },
    options: {scales: {
      rows: {type: 'linear', position: 'left', beginAtZero: true, title: {display: true, text: 'rows'}},
      files: {type: 'linear', position: 'right', beginAtZero: true, title: {display: true, text: 'files'},
        grid: {drawOnChartArea: false}},
    }},
  });

  $('rejects').replaceChildren(report.rejects.length === 0 ? el('p', {}, 'No rejected lines.') :
    table(['pipeline', 'reason', 'lines', 'recent samples'], []));
  if (report.rejects.length > 0) {
    const body = $('rejects').querySelector('tbody');
    report.rejects.forEach(r => body.append(el('tr', {},
      el('td', {}, r.pipeline), el('td', {}, r.reason), el('td', {class: 'number'}, number(r.count)),
      el('td', {}, r.samples.map(s => el('div', {class: 'sample'},
        el('span', {class: 'where'}, s.file + ':' + s.line), ' ', s.message,
        el('pre', {}, s.rawText + (s.originalLength > s.rawText.length ? ' …(' + s.originalLength + ' chars)' : ''))))))));
  }
  $('failed-files').replaceChildren(report.failedFiles.length === 0 ? el('p', {}, 'No failed files.') :
    table(['pipeline', 'file', 'attempts', 'error', 'last tried', 'next retry'],
      report.failedFiles.map(f => [f.pipeline, f.path, f.attempts, f.error, f.lastTried || '—',
        f.neverRetried ? 'not retried' : f.retryAfter || 'next poll']),
      [false, false, true, false, false, false]));
}

// ---------------------------------------------------------------------------------------
// The five questions
// ---------------------------------------------------------------------------------------

let questions = [];
let asked = {id: 'q1', values: {}, page: 1};

function queryString(values, extra) {
  const params = new URLSearchParams();
  Object.entries(values).forEach(([k, v]) => { if (v !== '') params.set(k, v); });
  Object.entries(extra || {}).forEach(([k, v]) => params.set(k, v));
  return params.toString();
}

function showQuestionForm() {
  // An unknown question (?q=q9) has no form: ask() shows the console's refusal.
  const q = questions.find(x => x.id === asked.id) || {id: asked.id, text: '', parameters: []};
  $('question-tabs').replaceChildren(...questions.map(x => {
    const tab = el('button', {type: 'button', class: x.id === asked.id ? 'tab active' : 'tab'}, x.id);
    tab.addEventListener('click', () => { asked = {id: x.id, values: {}, page: 1}; showQuestionForm(); ask(); });
    return tab;
  }));
  $('question-text').textContent = q.id + ': ' + q.text;
  $('question-parameters').replaceChildren(...q.parameters.map(p => el('label', {},
    p.name + ' (' + p.letter + ')',
    el('input', {name: p.name, type: 'text', value: asked.values[p.name] ?? '',
      placeholder: p.type === 'date' ? 'YYYY-MM-DD' : 'integer', title: p.meaning}),
    el('small', {}, p.meaning))));
}

async function ask() {
  const q = questions.find(x => x.id === asked.id) || {id: asked.id, parameters: []};
  const values = {};
  q.parameters.forEach(p => { values[p.name] = asked.values[p.name] ?? ''; });
  const id = encodeURIComponent(q.id);
  $('question-csv').href = '/api/questions/' + id + '.csv?' + queryString(values);
  history.replaceState(null, '', '?' + queryString(values, {q: q.id, page: asked.page}) + location.hash);
  let answer;
  try {
    // The page as given (?page=abc, 0, 999): the console refuses a bad one in words.
    answer = await request('/api/questions/' + id + '?' + queryString(values, {page: asked.page}));
    showError('question-error', null);
    $('question-answer').hidden = false;
  } catch (e) {
    showError('question-error', e);
    $('question-answer').hidden = true;
    return;
  }
  asked.page = answer.page;
  const pages = Math.max(1, Math.ceil(answer.total / answer.pageSize));
  const first = answer.total === 0 ? 0 : (answer.page - 1) * answer.pageSize + 1;
  $('question-count').textContent = answer.total === 0 ? 'No rows.' :
    'Rows ' + first + '–' + (first + answer.rows.length - 1) + ' of ' + answer.total + '.';
  $('question-table').replaceChildren(table(answer.columns, answer.rows, answer.numericColumns));
  $('question-page').textContent = 'page ' + answer.page + ' of ' + pages;
  $('question-previous').disabled = answer.page <= 1;
  $('question-next').disabled = answer.page >= pages;
  $('question-statement').textContent = answer.statement;
  $('question-definition').textContent = answer.definition || '';
  $('question-chart-box').hidden = !answer.chart;
  if (answer.chart) {
    drawChart('question-chart', {
      type: 'bar',
      data: {
        labels: answer.series.map(r => String(r[0])),
        datasets: [{label: answer.chart.y + ' by ' + answer.chart.x, data: answer.series.map(r => r[1])}],
      },
      options: {scales: {y: {beginAtZero: true}}},
    });
  }
}

async function loadQuestions() {
  questions = await request('/api/questions');
  const params = new URLSearchParams(location.search);
  if (params.has('q')) {
    asked.id = params.get('q');
  }
  asked.page = params.get('page') ?? 1;
  (questions.find(x => x.id === asked.id) || {parameters: []}).parameters.forEach(p => {
    const v = params.get(p.name) ?? params.get(p.letter);
    if (v !== null) asked.values[p.name] = v;
  });
  showQuestionForm();
  $('question-form').addEventListener('submit', event => {
    event.preventDefault();
    asked.values = Object.fromEntries(new FormData($('question-form')).entries());
    asked.page = 1;
    ask();
  });
  $('question-previous').addEventListener('click', () => { asked.page--; ask(); });
  $('question-next').addEventListener('click', () => { asked.page++; ask(); });
  await ask();
}

// ---------------------------------------------------------------------------------------
// SQL box
// ---------------------------------------------------------------------------------------

async function runSql(event) {
  if (event.submitter && event.submitter.id === 'sql-csv') {
    return; // the browser posts the form to /api/sql.csv and downloads the answer
  }
  event.preventDefault();
  let result;
  try {
    result = await request('/api/sql', {method: 'POST', body: new URLSearchParams(new FormData($('sql-form')))});
    showError('sql-error', null);
  } catch (e) {
    showError('sql-error', e);
    $('sql-table').replaceChildren();
    $('sql-count').textContent = '';
    return;
  }
  $('sql-count').textContent = result.rows.length + ' row(s)' +
    (result.truncatedBy === 'textLimit' ? ', cut at the console\'s 8 MiB of text (the last value shown may be cut)'
      : result.truncatedBy === 'rowLimit' ? ', cut at the row limit of ' + result.limit : '') +
    '; as ' + result.role + ', timeout ' + result.timeoutSeconds + ' s.' +
    (result.truncated ? ' Download CSV is cut the same way.' : '');
  $('sql-table').replaceChildren(table(result.columns, result.rows, result.numericColumns));
}

/**
 * #ingestion, #questions or #sql shows that part alone; no fragment shows all three. The
 * sections' ids differ from the fragments, so the browser does not scroll past the header.
 */
function showSection() {
  const chosen = location.hash.substring(1);
  const known = ['ingestion', 'questions', 'sql'].includes(chosen);
  document.querySelectorAll('main > section').forEach(s => { s.hidden = known && s.id !== 'part-' + chosen; });
}

document.addEventListener('DOMContentLoaded', () => {
  showSection();
  window.addEventListener('hashchange', showSection);
  $('sql-form').addEventListener('submit', runSql);
  // A link can carry a query (?sql=...): it is shown and run, for sharing an answer.
  const shared = new URLSearchParams(location.search).get('sql');
  if (shared !== null) {
    $('sql-text').value = shared;
    $('sql-form').requestSubmit($('sql-run'));
  }
  Promise.all([loadIngestion(), loadQuestions()]).then(() => document.body.setAttribute('data-loaded', 'true'));
});
