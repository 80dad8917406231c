//! Small response types that several resources embed.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

// Another row, by id and display name (a job's customer or worker, a note's author);
// no doc comment: it would change the OpenAPI document the web app is typed from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NamedRef {
    pub id: Uuid,
    pub name: String,
}
