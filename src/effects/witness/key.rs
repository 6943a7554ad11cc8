//! The checkpoint signing key: made by `opsdeck audit keygen`, read at
//! start. Only its owner may read it: a key others can read signs nothing,
//! since anyone who can read it can sign a forged checkpoint.

use ed25519_dalek::SigningKey;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Read the key at `path`: 64 hex digits, the file mode 0600 or 0400.
pub fn load(path: &Path) -> Result<SigningKey, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("signing key {shown}: {e}"))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!(
            "signing key {shown} can be read by others (mode {mode:04o}): it must be readable by its owner only (chmod 600 {shown})"
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("signing key {shown}: {e}"))?;
    let seed: [u8; 32] = hex::decode(text.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("signing key {shown}: not a key written by `opsdeck audit keygen`"))?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Write a new key to `out` (mode 0600; an existing file is never
/// replaced) and return its public key in hex.
pub fn generate(out: &Path) -> Result<String, String> {
    let shown = out.display();
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| format!("no randomness from the system: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    let mut text = hex::encode(seed);
    text.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)
        .map_err(|e| format!("cannot create {shown}: {e}"))?;
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    Ok(hex::encode(key.verifying_key().to_bytes()))
}
