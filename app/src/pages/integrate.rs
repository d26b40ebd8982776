use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{integration, SetDeadline};
use crate::components::{outcome, show_errors, ActionResult, Frame};
use crate::model::IntegrationView;

/// Copy-ready code to connect a product to Doorman: the collector on the page, and the
/// backend call in Node, Python and curl, for this tenant and this server.
#[component]
pub fn IntegratePage() -> impl IntoView {
    let set_deadline = ServerAction::<SetDeadline>::new();
    let info = Resource::new(move || set_deadline.version().get(), |_| integration());
    view! {
        <Title text="Integrate" />
        <Frame title="Integrate">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move { info.await.map(|info| view! { <Examples info set_deadline /> }) })}
                </ErrorBoundary>
            </Transition>
        </Frame>
    }
}

fn snippet(base: &str) -> String {
    format!(
        r#"<script type="module">
  import * as Doorman from '{base}/collector/doorman.js';
  const form = document.querySelector('form#signup');
  const dm = await Doorman.load();   // loads the collector, starts reading the device
  dm.attach(form);                   // watches how the form is filled (never its contents)
  form.addEventListener('submit', async (e) => {{
    e.preventDefault();
    const fraudSignals = await dm.collect();
    const res = await fetch('/api/signup', {{
      method: 'POST',
      headers: {{ 'Content-Type': 'application/json' }},
      body: JSON.stringify({{ email: form.email.value, password: form.password.value, fraudSignals }}),
    }});
    // … act on your backend's answer
  }});
</script>"#
    )
}

/// The client-side timeout: the server answers at its deadline, so a client that waits a
/// little longer gets that answer, and gives up only when Doorman cannot be reached.
fn client_timeout_ms(deadline_ms: u32) -> u32 {
    deadline_ms + 200
}

fn node(base: &str, deadline_ms: u32, fail: &str) -> String {
    let timeout = client_timeout_ms(deadline_ms);
    format!(
        r#"// Your signup handler (Node 18+, e.g. Express): forward the signals, never the password.
app.post('/api/signup', async (req, res) => {{
  const {{ email, fraudSignals }} = req.body;
  let fraud;
  try {{
    const r = await fetch('{base}/api/v1/events/ingest', {{
      method: 'POST',
      headers: {{ 'Content-Type': 'application/json', 'x-api-key': process.env.DOORMAN_API_KEY }},
      body: JSON.stringify({{
        type: 'SIGNUP', email, externalUserId: email, ip: req.ip,
        device: fraudSignals?.device, behavior: fraudSignals?.behavior,
      }}),
      signal: AbortSignal.timeout({timeout}),
    }});
    fraud = await r.json();
  }} catch {{
    // Doorman unreachable: the same decision it gives past its {deadline_ms} ms deadline.
    fraud = {{ decision: '{fail}', degraded: true }};
  }}
  if (fraud.decision === 'BLOCK') return res.status(403).json({{ error: 'Signup blocked' }});
  if (fraud.decision === 'CHALLENGE') return res.json({{ challenge: 'email_verification' }});
  // … create the account
}});"#
    )
}

fn python(base: &str, deadline_ms: u32, fail: &str) -> String {
    let timeout = f64::from(client_timeout_ms(deadline_ms)) / 1000.0;
    format!(
        r#"# Your signup view (Python 3, requests): forward the signals, never the password.
import os, requests

def score_signup(email, client_ip, fraud_signals):
    try:
        r = requests.post(
            "{base}/api/v1/events/ingest",
            headers={{"x-api-key": os.environ["DOORMAN_API_KEY"]}},
            json={{
                "type": "SIGNUP", "email": email, "externalUserId": email, "ip": client_ip,
                "device": fraud_signals.get("device"), "behavior": fraud_signals.get("behavior"),
            }},
            timeout={timeout},
        )
        r.raise_for_status()
        return r.json()["decision"]  # "ALLOW", "CHALLENGE" or "BLOCK"
    except requests.RequestException:
        # Doorman unreachable: the same decision it gives past its {deadline_ms} ms deadline.
        return "{fail}""#
    )
}

fn curl(base: &str) -> String {
    format!(
        r#"curl -s {base}/api/v1/events/ingest \
  -H "x-api-key: $DOORMAN_API_KEY" -H 'content-type: application/json' \
  -d '{{"type":"LOGIN","email":"ada@example.com","externalUserId":"u-42","ip":"203.0.113.7"}}'

# Later, tell Doorman how it went:
curl -s {base}/api/v1/events/EVENT_ID/feedback \
  -H "x-api-key: $DOORMAN_API_KEY" -H 'content-type: application/json' \
  -d '{{"outcome":"LOGIN_FAILED"}}'"#
    )
}

#[component]
fn Examples(info: IntegrationView, set_deadline: ServerAction<SetDeadline>) -> impl IntoView {
    let base = info.base_url.clone();
    let keys = if info.key_prefixes.is_empty() {
        view! { <p class="hint">"You have no working key yet: create one on the " <a href="/client-admin/api-keys">"API keys"</a> " page."</p> }.into_any()
    } else {
        let list = info.key_prefixes.join("…, ") + "…";
        view! { <p class="hint">"Put one of your keys (" <span class="mono">{list}</span> ") in " <code>"DOORMAN_API_KEY"</code> " on your server. Keys never go in a page or an app."</p> }.into_any()
    };
    let block = |id: &'static str, title: &'static str, code: String| {
        view! {
            <section class="example">
                <h2>{title}</h2>
                <pre><code id=id>{code}</code></pre>
            </section>
        }
    };
    view! {
        <p class="hint">"Connecting " <strong>{info.tenant_name}</strong> " to Doorman at " <code id="base-url">{base.clone()}</code> " takes two steps: the collector on your signup or login page, and one call from your backend with each event."</p>
        {keys}
        {block("snippet", "1. On the page", snippet(&base))}
        {block("node", "2. From your backend: Node", node(&base, info.deadline_ms, &info.fail_decision))}
        {block("python", "Python", python(&base, info.deadline_ms, &info.fail_decision))}
        {block("curl", "curl", curl(&base))}
        <section class="card" id="deadline">
            <h2>"When Doorman is slow"</h2>
            <p class="hint">"Doorman answers within this time. When it cannot score an event by then (its database stalled, the server overloaded) it answers this decision with "
                <code>"\"degraded\": true"</code> " and stores the event when it can. A request may ask for its own time with the "
                <code>"x-doorman-deadline-ms"</code> " header. The examples above fall back to the same decision when Doorman cannot be reached."</p>
            <ActionForm action=set_deadline attr:class="inline-form">
                <label>"Answer within " <input type="number" name="deadline_ms" min="50" max="30000" required value=info.deadline_ms.to_string() /> " ms"</label>
                <label>"then "
                    <select name="fail_decision">
                        <option value="ALLOW" selected=info.fail_decision == "ALLOW">"ALLOW (fail open)"</option>
                        <option value="CHALLENGE" selected=info.fail_decision == "CHALLENGE">"CHALLENGE"</option>
                    </select>
                </label>
                <button type="submit">"Save"</button>
            </ActionForm>
            <ActionResult result=Signal::derive(move || outcome(set_deadline.value().get(), "Saved.")) />
        </section>
        <p class="hint">"Other event types (LOGIN, SMS_OTP with " <code>"phone"</code> ", TRIAL_START, REFERRAL with " <code>"referrerUserId"</code> ", PROMO_REDEEM with " <code>"promoCode"</code> ", PASSWORD_RESET) take the same call with their " <code>"type"</code> "."</p>
    }
}
