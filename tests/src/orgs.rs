//! Several emulated orgs at once: one emulator per org, each named by a profile of an okta.yaml
//! in a scratch HOME (`okta.profiles.NAME`), as a team with dev, preview and prod orgs has them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use okta_eventhooks::Client;
use okta_eventhooks_emulator::Emulator;

use crate::scratch::tempdir;
use crate::secrets::TOKEN;

/// Running emulators, one per org, and the HOME whose `.okta/okta.yaml` names them.
pub struct Orgs {
    /// `(profile, emulator)`, in the order given. In an `Arc`, so that an endpoint's responder
    /// can inject faults into an org's emulator.
    pub orgs: Vec<(String, Arc<Emulator>)>,
    /// A scratch directory with `.okta/okta.yaml`, for `HOME` and the working directory.
    pub home: PathBuf,
}

impl Orgs {
    /// Starts one emulator per name (see [`crate::emulator::builder`]) and writes the profiles.
    pub async fn start(names: &[&str]) -> Orgs {
        let mut orgs = Vec::new();
        for name in names {
            let emulator = crate::emulator::start().await;
            orgs.push(((*name).to_owned(), Arc::new(emulator)));
        }
        let home = tempdir("orgs");
        let profiles: Vec<(&str, &str)> = orgs
            .iter()
            .map(|(name, emu)| (name.as_str(), emu.url()))
            .collect();
        write_okta_yaml(&home, &profiles);
        Orgs { orgs, home }
    }

    /// The emulator of `name`.
    pub fn emulator(&self, name: &str) -> &Arc<Emulator> {
        &self
            .orgs
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no org {name}"))
            .1
    }

    /// An SDK client for the org `name`.
    pub fn client(&self, name: &str) -> Client {
        crate::emulator::client(self.emulator(name))
    }
}

/// Writes `home/.okta/okta.yaml` with one profile per `(name, org URL)`, each with [`TOKEN`],
/// readable by its owner only (the SDK warns otherwise).
pub fn write_okta_yaml(home: &Path, profiles: &[(&str, &str)]) {
    let mut text = String::from("okta:\n  profiles:\n");
    for (name, url) in profiles {
        text.push_str(&format!(
            "    {name}:\n      client:\n        orgUrl: {url}\n        token: {TOKEN}\n"
        ));
    }
    let dir = home.join(".okta");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("okta.yaml");
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}
