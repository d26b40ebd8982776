//! Signing in and out, and who is signed in.

use leptos::prelude::*;

use crate::model::AdminView;

/// Signs in and redirects to the account's home. Attempts are counted per account and per
/// address before the password is checked (so that parallel guesses see each other); past the
/// limit, attempts are refused (429) without checking the password until the window has
/// passed.
#[server(prefix = "/rpc", endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), ServerFnError> {
    use super::guard::{client_ip, context, refuse, store_error};
    use crate::auth::session_cookie;
    use doorman_store::admins::Role;
    use doorman_store::throttle::Attempt;
    use http::StatusCode;

    let ctx = context()?;
    let ip = client_ip();
    let at = match ctx.store.begin_login(&email, ip.as_deref()).await.map_err(store_error)? {
        Attempt::Allowed { at } => at,
        Attempt::Blocked { wait_ms } => {
            let minutes = (wait_ms + 59_999) / 60_000;
            return Err(refuse(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many failed sign-ins. Try again in {minutes} min."),
            ));
        }
    };
    let Some(admin) = ctx.store.authenticate_admin(&email, &password).await.map_err(store_error)? else {
        tracing::info!(ip = ip.as_deref().unwrap_or("?"), "dashboard sign-in refused");
        return Err(refuse(StatusCode::UNAUTHORIZED, "Wrong email or password."));
    };
    ctx.store.forgive_login(&email, ip.as_deref(), at).await.map_err(store_error)?;
    let token = ctx.store.create_session(&admin.id, ctx.sessions).await.map_err(store_error)?;
    set_cookie(&session_cookie(&token, ctx.secure_cookies, ctx.sessions))?;
    leptos_axum::redirect(match admin.role {
        Role::SuperAdmin => "/admin",
        Role::ClientAdmin => "/client-admin",
    });
    Ok(())
}

/// Ends the session on the server and in the browser.
#[server(prefix = "/rpc", endpoint = "logout")]
pub async fn logout() -> Result<(), ServerFnError> {
    use super::guard::{context, request_parts, store_error};
    use crate::auth::{clear_session_cookie, session_token};

    let ctx = context()?;
    if let Some(token) = session_token(&request_parts()?.headers) {
        ctx.store.delete_session(&token).await.map_err(store_error)?;
    }
    set_cookie(&clear_session_cookie(ctx.secure_cookies))?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Signs the account out on every device: all its sessions end.
#[server(prefix = "/rpc", endpoint = "logout-everywhere")]
pub async fn logout_everywhere() -> Result<(), ServerFnError> {
    use super::guard::{audit, context, require_admin, store_error};
    use crate::auth::clear_session_cookie;

    let admin = require_admin().await?;
    let ctx = context()?;
    ctx.store.end_sessions(&admin.id).await.map_err(store_error)?;
    audit(&admin, admin.tenant_id.as_deref(), "session.end_all", &admin.email, "").await;
    set_cookie(&clear_session_cookie(ctx.secure_cookies))?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[cfg(feature = "ssr")]
fn set_cookie(value: &str) -> Result<(), ServerFnError> {
    let value = http::HeaderValue::from_str(value).map_err(|_| ServerFnError::new("bad cookie"))?;
    expect_context::<leptos_axum::ResponseOptions>().append_header(http::header::SET_COOKIE, value);
    Ok(())
}

/// The signed-in account, or `None`.
#[server(prefix = "/rpc", endpoint = "current-admin")]
pub async fn current_admin() -> Result<Option<AdminView>, ServerFnError> {
    use super::guard::{context, request_parts, store_error};
    use crate::model::RoleView;
    use doorman_store::admins::Role;

    let ctx = context()?;
    let Some(admin) = crate::auth::admin_from_headers(&ctx.store, ctx.sessions, &request_parts()?.headers)
        .await
        .map_err(store_error)?
    else {
        return Ok(None);
    };
    let tenant = match &admin.tenant_id {
        Some(id) => ctx.store.tenant_by_id(id).await.map_err(store_error)?,
        None => None,
    };
    Ok(Some(AdminView {
        email: admin.email,
        role: match admin.role {
            Role::SuperAdmin => RoleView::SuperAdmin,
            Role::ClientAdmin => RoleView::ClientAdmin,
        },
        tenant_slug: tenant.as_ref().map(|t| t.slug.clone()),
        tenant_name: tenant.map(|t| t.name),
    }))
}
