//! AWS adapters. Clients are built from one `SdkConfig`, which follows the standard chain in
//! AWS and honours `AWS_ENDPOINT_URL` locally (the moto server), so no code path differs.

mod clients;
mod connections;
mod email;
mod objects;
mod queues;
mod schedules;
mod secrets;

pub use clients::{AwsClients, load_sdk_config, s3_client};
pub use connections::{Connections, LocalFrame, LocalSockets, PushError, Pushed};
pub use email::{EmailError, Mailer, OutgoingEmail};
pub use objects::{
    ObjectError, abort_multipart, complete_multipart, copy_object, delete_object, delete_prefix,
    object_size, presigned_get, presigned_part, presigned_put, put_object, read_object,
    start_multipart, upload_part,
};
pub use queues::{
    OutgoingMessage, PUBLISH_LANES, PublishLane, QUEUES, QueueError, QueueSpec, ReceivedMessage,
    Redelivery, delete_messages, deliver_once, receive_messages, send_messages,
};
pub use schedules::{
    HeldSchedule, PublishTrigger, ScheduleError, delete_schedule, held_schedules,
    put_one_time_schedule, schedule_name,
};
pub use secrets::{SecretError, read_secret_string};

pub use aws_sdk_dynamodb;
pub use aws_sdk_s3;
pub use aws_sdk_scheduler;
pub use aws_sdk_secretsmanager;
pub use aws_sdk_sesv2;
pub use aws_sdk_sqs;
pub use aws_types::SdkConfig;
