use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::integration;
use crate::components::{show_errors, Frame};
use crate::model::IntegrationView;

/// Copy-ready code to connect a product to Doorman: the collector on the page, and the
/// backend call in Node, Python and curl, for this tenant and this server.
#[component]
pub fn IntegratePage() -> impl IntoView {
    let info = Resource::new(|| (), |_| integration());
    view! {
        <Title text="Integrate" />
        <Frame title="Integrate">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move { info.await.map(|info| view! { <Examples info /> }) })}
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

fn node(base: &str) -> String {
    format!(
        r#"// Your signup handler (Node 18+, e.g. Express): forward the signals, never the password.
app.post('/api/signup', async (req, res) => {{
  const {{ email, fraudSignals }} = req.body;
  const r = await fetch('{base}/api/v1/events/ingest', {{
    method: 'POST',
    headers: {{ 'Content-Type': 'application/json', 'x-api-key': process.env.DOORMAN_API_KEY }},
    body: JSON.stringify({{
      type: 'SIGNUP', email, externalUserId: email, ip: req.ip,
      device: fraudSignals?.device, behavior: fraudSignals?.behavior,
    }}),
  }});
  const fraud = await r.json();
  if (fraud.decision === 'BLOCK') return res.status(403).json({{ error: 'Signup blocked' }});
  if (fraud.decision === 'CHALLENGE') return res.json({{ challenge: 'email_verification' }});
  // … create the account
}});"#
    )
}

fn python(base: &str) -> String {
    format!(
        r#"# Your signup view (Python 3, requests): forward the signals, never the password.
import os, requests

def score_signup(email, client_ip, fraud_signals):
    r = requests.post(
        "{base}/api/v1/events/ingest",
        headers={{"x-api-key": os.environ["DOORMAN_API_KEY"]}},
        json={{
            "type": "SIGNUP", "email": email, "externalUserId": email, "ip": client_ip,
            "device": fraud_signals.get("device"), "behavior": fraud_signals.get("behavior"),
        }},
        timeout=2,
    )
    r.raise_for_status()
    return r.json()["decision"]  # "ALLOW", "CHALLENGE" or "BLOCK""#
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
fn Examples(info: IntegrationView) -> impl IntoView {
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
        {block("node", "2. From your backend: Node", node(&base))}
        {block("python", "Python", python(&base))}
        {block("curl", "curl", curl(&base))}
        <p class="hint">"Other event types (LOGIN, SMS_OTP with " <code>"phone"</code> ", TRIAL_START, REFERRAL with " <code>"referrerUserId"</code> ", PROMO_REDEEM with " <code>"promoCode"</code> ", PASSWORD_RESET) take the same call with their " <code>"type"</code> "."</p>
    }
}
