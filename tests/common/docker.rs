//! The test dockerd through bollard: a client, a container created and
//! started, and removed whatever state it is in.

use bollard::container::{Config, CreateContainerOptions, RemoveContainerOptions, StartContainerOptions};
use bollard::Docker;

/// A client of the dockerd tests/run.sh started.
pub async fn client() -> Docker {
    let host = super::docker_host();
    let path = host.strip_prefix("unix://").expect("unix socket");
    Docker::connect_with_unix(path, 30, bollard::API_DEFAULT_VERSION)
        .expect("docker client")
        .negotiate_version()
        .await
        .expect("docker API version")
}

/// Create `name` from `cfg`, not started.
pub async fn create(d: &Docker, name: &str, cfg: Config<String>) {
    d.create_container(
        Some(CreateContainerOptions {
            name: name.to_string(),
            platform: None,
        }),
        cfg,
    )
    .await
    .expect("create container");
}

/// Create `name` from `cfg` and start it.
pub async fn run(d: &Docker, name: &str, cfg: Config<String>) {
    create(d, name, cfg).await;
    d.start_container(name, None::<StartContainerOptions<String>>)
        .await
        .expect("start container");
}

/// Remove `name`, running or not; gone already is fine.
pub async fn remove(d: &Docker, name: &str) {
    let _ = d
        .remove_container(
            name,
            Some(RemoveContainerOptions {
                force: true,
                ..Default::default()
            }),
        )
        .await;
}
