mod admin_home;
mod api_keys;
mod audit;
mod client_admin_home;
mod clients;
mod home;
mod login;
mod not_found;
mod tenant;

pub use admin_home::AdminHome;
pub use api_keys::ApiKeysPage;
pub use audit::AuditPage;
pub use client_admin_home::ClientAdminHome;
pub use clients::ClientsPage;
pub use home::Home;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use tenant::TenantPage;
