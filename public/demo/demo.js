// The demo shop's pages: each embeds the Doorman collector, posts its form with the
// collected signals to the shop's own backend, and shows what the backend answered and,
// for the person trying the demo, what Doorman decided.
import * as Doorman from '/collector/doorman.js';

const show = (id, text) => { document.getElementById(id).textContent = text; };

// Wires `form` to post `fields(form)` plus `fraudSignals` to `endpoint`; `message(body, res)`
// is what the shop tells its user.
export async function wire(form, endpoint, fields, message) {
  const dm = await Doorman.load();
  dm.attach(form);
  form.dataset.ready = 'true';
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fraudSignals = await dm.collect();
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...fields(form), fraudSignals }),
    });
    const body = await res.json();
    const fraud = body.fraud || {};
    const result = document.getElementById('result');
    result.dataset.decision = fraud.decision || 'ERROR';
    result.dataset.status = String(res.status);
    const said = message(body, res);
    const error = body.error && (typeof body.error === 'string' ? body.error : body.error.message);
    show('outcome', (typeof said === 'string' && said) || error || 'Something went wrong.');
    show('decision', fraud.decision || '-');
    show('score', fraud.riskScore ?? '-');
    show('rules', (fraud.triggeredRules || []).map(r => r.code).join(', ') || 'none');
    show('visitor', fraud.visitorId || '-');
    result.hidden = false;
  });
}
