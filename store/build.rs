// `sqlx::migrate!` embeds the migration files when the crate compiles, and cargo does not
// know they are inputs: without this a new migration would be missing from the next build.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
