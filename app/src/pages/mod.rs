mod admin_home;
mod api_keys;
mod client_admin_home;
mod home;
mod login;
mod not_found;

pub use admin_home::AdminHome;
pub use api_keys::ApiKeysPage;
pub use client_admin_home::ClientAdminHome;
pub use home::Home;
pub use login::LoginPage;
pub use not_found::NotFound;
