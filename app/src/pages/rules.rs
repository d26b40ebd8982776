use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{
    error_message, global_rule_settings, live_snoozes, rule_settings, EndSnooze, PreviewRuleSettings,
    PromoteRule, SaveGlobalRuleSettings, SaveRuleSettings,
};
use crate::components::{show_errors, Frame};
use crate::model::{format_utc, PreviewView, RuleEditView, RuleSettingsView, SettingsEditView};

/// Whose settings a page edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingsScope {
    /// A client admin's overrides over the global settings, with a preview.
    Tenant,
    /// The super admin's global settings over the built-in defaults.
    Global,
}

/// A client admin's rules: thresholds, limits and per-rule weight and switch next to the
/// global values they override; a preview on stored events before saving.
#[component]
pub fn RulesPage() -> impl IntoView {
    view! {
        <Title text="Rules" />
        <Frame title="Rules">
            <RulesEditor scope=SettingsScope::Tenant />
            <Snoozes />
        </Frame>
    }
}

/// The super admin's global rule settings, which every tenant follows unless it overrides.
#[component]
pub fn GlobalRulesPage() -> impl IntoView {
    view! {
        <Title text="Global rules" />
        <Frame title="Global rules">
            <RulesEditor scope=SettingsScope::Global />
        </Frame>
    }
}

/// The text of each input, by field key: `v:NAME` for settings, `w:CODE` for weights and
/// `e:CODE` (`""`, `on`, `off`) for switches.
type Inputs = RwSignal<BTreeMap<String, String>>;

fn initial_inputs(s: &RuleSettingsView) -> BTreeMap<String, String> {
    let mut inputs = BTreeMap::new();
    for row in &s.settings {
        inputs.insert(format!("v:{}", row.name), row.value.map(|v| v.to_string()).unwrap_or_default());
    }
    for rule in &s.rules {
        inputs.insert(format!("w:{}", rule.code), rule.weight.map(|w| w.to_string()).unwrap_or_default());
        inputs.insert(format!("e:{}", rule.code), rule.mode.clone().unwrap_or_default());
    }
    inputs
}

/// The edit the inputs describe, as JSON, or the first input that is not a whole number.
fn edit_json(inputs: &BTreeMap<String, String>) -> Result<String, String> {
    let mut edit = SettingsEditView::default();
    for (key, text) in inputs {
        let text = text.trim();
        let number = |what: &str| -> Result<Option<i64>, String> {
            if text.is_empty() {
                Ok(None)
            } else {
                text.parse().map(Some).map_err(|_| format!("{what}: {text:?} is not a whole number"))
            }
        };
        match key.split_once(':') {
            Some(("v", name)) => {
                edit.values.insert(name.to_string(), number(name)?);
            }
            Some(("w", code)) => {
                let weight = number(code)?
                    .map(|w| i32::try_from(w).map_err(|_| format!("{code}: weight too large")))
                    .transpose()?;
                edit.rules.entry(code.to_string()).or_insert_with(RuleEditView::default).weight = weight;
            }
            Some(("e", code)) => {
                // A mode set here holds whatever the settings under it say.
                let (enabled, shadow) = match text {
                    "on" => (Some(true), Some(false)),
                    "shadow" => (Some(true), Some(true)),
                    "off" => (Some(false), None),
                    _ => (None, None),
                };
                let rule = edit.rules.entry(code.to_string()).or_insert_with(RuleEditView::default);
                (rule.enabled, rule.shadow) = (enabled, shadow);
            }
            _ => {}
        }
    }
    edit.rules.retain(|_, r| r.weight.is_some() || r.enabled.is_some() || r.shadow.is_some());
    serde_json::to_string(&edit).map_err(|e| e.to_string())
}

#[component]
fn RulesEditor(scope: SettingsScope) -> impl IntoView {
    let promote = ServerAction::<PromoteRule>::new();
    let settings = Resource::new(
        move || promote.version().get(),
        move |_| async move {
            match scope {
                SettingsScope::Tenant => rule_settings().await,
                SettingsScope::Global => global_rule_settings().await,
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            <ErrorBoundary fallback=show_errors>
                {move || Suspend::new(async move { settings.await.map(|s| view! { <EditorForm s scope promote /> }) })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn EditorForm(
    s: RuleSettingsView,
    scope: SettingsScope,
    promote: ServerAction<PromoteRule>,
) -> impl IntoView {
    let inputs: Inputs = RwSignal::new(initial_inputs(&s));
    let save_tenant = ServerAction::<SaveRuleSettings>::new();
    let save_global = ServerAction::<SaveGlobalRuleSettings>::new();
    let preview = ServerAction::<PreviewRuleSettings>::new();
    let local_error = RwSignal::new(None::<String>);
    let count = RwSignal::new("200".to_string());
    let base_name = match scope {
        SettingsScope::Tenant => "Global",
        SettingsScope::Global => "Built-in",
    };

    let with_edit = move |then: &dyn Fn(String)| match edit_json(&inputs.get_untracked()) {
        Ok(json) => {
            local_error.set(None);
            then(json);
        }
        Err(e) => local_error.set(Some(e)),
    };
    let on_save = move |_| {
        with_edit(&|edit| match scope {
            SettingsScope::Tenant => {
                save_tenant.dispatch(SaveRuleSettings { edit });
            }
            SettingsScope::Global => {
                save_global.dispatch(SaveGlobalRuleSettings { edit });
            }
        })
    };
    let on_preview = move |_| {
        let n = count.get_untracked().parse().unwrap_or(200);
        with_edit(&|edit| {
            preview.dispatch(PreviewRuleSettings { edit, count: n });
        })
    };
    let on_reset = move |_| {
        inputs.update(|m| m.values_mut().for_each(String::clear));
    };
    let saved = move || {
        let result = match scope {
            SettingsScope::Tenant => save_tenant.value().get(),
            SettingsScope::Global => save_global.value().get(),
        };
        let message = local_error.get().map(Err).or_else(|| result.map(|r| r.map_err(|e| error_message(&e))));
        message.map(|m| match m {
            Ok(()) => view! { <p class="ok" role="status">"Saved: the next events are scored with these settings."</p> }.into_any(),
            Err(e) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
        })
    };

    let text_input = move |key: String, placeholder: String, class: &'static str| {
        let read = key.clone();
        view! {
            <input type="number" class=class data-field=key.clone() placeholder=placeholder
                prop:value=move || inputs.with(|m| m.get(&read).cloned().unwrap_or_default())
                on:input=move |ev| inputs.update(|m| { m.insert(key.clone(), event_target_value(&ev)); }) />
        }
    };
    let setting_rows = s
        .settings
        .into_iter()
        .map(|row| {
            let key = format!("v:{}", row.name);
            let marker = row.name.clone();
            view! {
                <tr data-setting=marker>
                    <td>{row.label}</td>
                    <td class="mono">{row.name}</td>
                    <td class="num base">{row.base}</td>
                    <td>{text_input(key, row.base.to_string(), "setting")}</td>
                </tr>
            }
        })
        .collect_view();
    let rule_rows = s
        .rules
        .into_iter()
        .map(|rule| {
            let weight_key = format!("w:{}", rule.code);
            let enabled_key = format!("e:{}", rule.code);
            let read = enabled_key.clone();
            let base_switch = rule.base_mode.clone();
            let marker = rule.code.clone();
            let in_shadow = rule.mode.as_deref().or(Some(rule.base_mode.as_str())) == Some("shadow");
            let code = rule.code.clone();
            let trial = rule.shadow.clone().map(|t| {
                let changes = if t.changes_7d.is_empty() {
                    "no decision would have changed".to_string()
                } else {
                    let listed: Vec<String> = t.changes_7d.iter().map(|(c, n)| format!("{n} {}", c.replace('>', " → "))).collect();
                    format!("would have changed {}", listed.join(", "))
                };
                format!("in shadow: fired {} in 24 h, {} in 7 days; {changes}", t.fired_24h, t.fired_7d)
            });
            view! {
                <tr data-rule=marker>
                    <td class="mono">{rule.code}</td>
                    <td>{rule.label}</td>
                    <td class="types">{rule.applies_to}</td>
                    <td class="num base">{rule.base_weight} " · " {base_switch}</td>
                    <td>{text_input(weight_key, rule.base_weight.to_string(), "weight")}</td>
                    <td>
                        <select class="enabled"
                            prop:value=move || inputs.with(|m| m.get(&read).cloned().unwrap_or_default())
                            on:change=move |ev| inputs.update(|m| { m.insert(enabled_key.clone(), event_target_value(&ev)); })>
                            <option value="">{format!("as {}", base_name.to_lowercase())}</option>
                            <option value="on">"on"</option>
                            <option value="shadow">"shadow"</option>
                            <option value="off">"off"</option>
                        </select>
                    </td>
                    <td class="shadow">
                        {trial.map(|t| view! { <span class="shadow-stats">{t}</span> })}
                        {(in_shadow && scope == SettingsScope::Tenant).then(|| view! {
                            <ActionForm action=promote attr:class="promote">
                                <input type="hidden" name="code" value=code />
                                <button type="submit">"Promote"</button>
                            </ActionForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let preview_block = (scope == SettingsScope::Tenant).then(|| {
        view! {
            <section class="preview">
                <h2>"Preview"</h2>
                <p class="hint">"Scores your newest events again with the settings above, without saving them."</p>
                <div class="inline-form">
                    <label>"Events "
                        <select prop:value=move || count.get() on:change=move |ev| count.set(event_target_value(&ev))>
                            <option value="100">"100"</option>
                            <option value="200">"200"</option>
                            <option value="500">"500"</option>
                            <option value="1000">"1000"</option>
                        </select>
                    </label>
                    <button type="button" on:click=on_preview disabled=move || preview.pending().get()>"Preview"</button>
                </div>
                {move || preview.value().get().map(|r| match r {
                    Ok(p) => view! { <PreviewResult p /> }.into_any(),
                    Err(e) => view! { <p class="error" role="alert">{error_message(&e)}</p> }.into_any(),
                })}
            </section>
        }
    });
    let intro = match scope {
        SettingsScope::Tenant => "Leave a field empty to follow the global value shown next to it.",
        SettingsScope::Global => "Every tenant follows these unless it overrides them. Leave a field empty for Doorman's built-in default.",
    };
    view! {
        <p class="hint">{intro}</p>
        <section>
            <h2>"Thresholds and limits"</h2>
            <div class="table-wrap">
                <table class="settings">
                    <thead><tr><th>"Setting"</th><th>"Name"</th><th>{base_name}</th><th>"Value"</th></tr></thead>
                    <tbody>{setting_rows}</tbody>
                </table>
            </div>
        </section>
        <section>
            <h2>"Rules"</h2>
            <div class="table-wrap">
                <table class="rules">
                    <thead><tr><th>"Rule"</th><th>"What it catches"</th><th>"Events"</th><th>{base_name}</th><th>"Weight"</th><th>"Switch"</th><th>"Trial"</th></tr></thead>
                    <tbody>{rule_rows}</tbody>
                </table>
            </div>
        </section>
        <div class="inline-form actions">
            <button type="button" id="save-rules" on:click=on_save>"Save"</button>
            <button type="button" class="secondary" on:click=on_reset>"Reset to defaults"</button>
        </div>
        {saved}
        {preview_block}
    }
}

#[component]
fn PreviewResult(p: PreviewView) -> impl IntoView {
    let row = |label: &'static str, c: &crate::model::DecisionCountsView| {
        view! { <tr><td>{label}</td><td class="num">{c.allow}</td><td class="num">{c.challenge}</td><td class="num">{c.block}</td></tr> }
    };
    let summary = format!(
        "{} events scored again{}: {} would change decision.",
        p.scored,
        if p.unreadable > 0 { format!(" ({} could not be read)", p.unreadable) } else { String::new() },
        p.changed_total
    );
    let changed = p
        .changed
        .into_iter()
        .map(|e| {
            let href = format!("/client-admin/events/{}", e.id);
            view! {
                <tr>
                    <td class="time"><a href=href>{format_utc(e.created_at)}</a></td>
                    <td>{e.event_type}</td>
                    <td>{e.user.unwrap_or_default()}</td>
                    <td>{e.before_decision} " (" {e.before_score} ")"</td>
                    <td>{e.after_decision} " (" {e.after_score} ")"</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div id="preview-result" role="status">
            <p>{summary}</p>
            <div class="table-wrap">
                <table class="preview-counts">
                    <thead><tr><th></th><th>"Allow"</th><th>"Challenge"</th><th>"Block"</th></tr></thead>
                    <tbody>{row("Now", &p.before)}{row("With these settings", &p.after)}</tbody>
                </table>
            </div>
            <div class="table-wrap">
                <table class="preview-changed">
                    <thead><tr><th>"Time (UTC)"</th><th>"Type"</th><th>"User"</th><th>"Now"</th><th>"With these settings"</th></tr></thead>
                    <tbody>{changed}</tbody>
                </table>
            </div>
        </div>
    }
}

/// The tenant's snoozed rules, made from events' pages, with a way to end each early.
#[component]
fn Snoozes() -> impl IntoView {
    let end = ServerAction::<EndSnooze>::new();
    let snoozes = Resource::new(move || end.version().get(), |_| live_snoozes());
    view! {
        <section class="snoozes">
            <h2>"Snoozed rules"</h2>
            <p class="hint">"A rule snoozed from an event's page stays silent for that user, visitor or IP until the end shown (status SNOOZED in the event's checks)."</p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        snoozes.await.map(|list| {
                            if list.is_empty() {
                                return view! { <p class="empty">"No rule is snoozed."</p> }.into_any();
                            }
                            let rows = list.into_iter().map(|s| { let marker = s.rule.clone(); view! {
                                <tr data-snooze=marker>
                                    <td class="mono">{s.rule}</td>
                                    <td>{s.kind} " " <span class="mono">{s.value}</span></td>
                                    <td class="time">{format_utc(s.until)}</td>
                                    <td>{s.reason}</td>
                                    <td>{s.created_by}</td>
                                    <td>
                                        <ActionForm action=end>
                                            <input type="hidden" name="id" value=s.id />
                                            <button type="submit" class="danger">"End"</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            } }).collect_view();
                            view! {
                                <div class="table-wrap">
                                    <table class="snoozes">
                                        <thead><tr><th>"Rule"</th><th>"For"</th><th>"Until (UTC)"</th><th>"Reason"</th><th>"By"</th><th></th></tr></thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                            }.into_any()
                        })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}
