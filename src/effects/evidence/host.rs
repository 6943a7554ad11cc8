//! `host.json`: the machine opsdeck runs on at capture — name, uptime,
//! load, memory, disks (the host backend's reading) and the sockets that
//! listen. Read from /proc; no shell, nothing that can hang.

use serde_json::{json, Value};

/// The host's facts; a part that cannot be read says why in its place.
pub async fn facts(cfg: &crate::config::HostConfig) -> Value {
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("cannot read {p}: {e}"));
    let summary = match crate::backends::host::HostPoller::new(cfg).poll().await {
        Ok(s) => serde_json::to_value(s).unwrap_or(Value::Null),
        Err(e) => json!({ "error": e }),
    };
    let uptime = read("/proc/uptime").map(|t| parse_uptime(&t));
    let mut sockets = Vec::new();
    let mut errors = Vec::new();
    for (proto, path) in [
        ("tcp", "/proc/net/tcp"),
        ("tcp6", "/proc/net/tcp6"),
        ("udp", "/proc/net/udp"),
        ("udp6", "/proc/net/udp6"),
    ] {
        match read(path) {
            Ok(text) => sockets.extend(listening(proto, &text)),
            Err(e) => errors.push(e),
        }
    }
    json!({
        "hostname": read("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default(),
        "uptime_secs": uptime.as_ref().ok().copied().flatten(),
        "resources": summary,
        "listening": sockets,
        "errors": errors,
    })
}

/// Seconds up, from /proc/uptime ("12345.67 2345.12").
pub fn parse_uptime(text: &str) -> Option<f64> {
    text.split_whitespace().next()?.parse().ok()
}

/// The listening sockets of one /proc/net table: TCP in LISTEN (0A), UDP
/// bound and unconnected (07).
pub fn listening(proto: &str, table: &str) -> Vec<Value> {
    let wanted = if proto.starts_with("tcp") { "0A" } else { "07" };
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (local, state, uid, inode) = (f.get(1)?, f.get(3)?, f.get(7)?, f.get(9)?);
            (*state == wanted).then_some(())?;
            Some(json!({ "proto": proto, "local": address(local)?, "uid": uid, "inode": inode }))
        })
        .collect()
}

/// "0100007F:1538" → "127.0.0.1:5432"; IPv6 as 4 little-endian words.
fn address(hex_addr: &str) -> Option<String> {
    let (ip, port) = hex_addr.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let words: Vec<u32> = (0..ip.len() / 8)
        .map(|i| u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16).ok())
        .collect::<Option<_>>()?;
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    match bytes.len() {
        4 => Some(format!("{}.{}.{}.{}:{port}", bytes[0], bytes[1], bytes[2], bytes[3])),
        16 => {
            let a: [u8; 16] = bytes.try_into().ok()?;
            Some(format!("[{}]:{port}", std::net::Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   105        0 31337 1 0000000000000000 100 0 0 10 0
   1: 0100007F:1538 0100007F:D431 01 00000000:00000000 00:00000000 00000000   105        0 31338 1 0000000000000000 20 4 30 10 -1
";
    const TCP6: &str = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
";

    #[test]
    fn listening_sockets_are_read_from_proc_tables() {
        let v = listening("tcp", TCP);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0]["local"], "127.0.0.1:5432");
        assert_eq!(v[0]["inode"], "31337");
        let v6 = listening("tcp6", TCP6);
        assert_eq!(v6[0]["local"], "[::1]:22");
        assert!(listening("udp", TCP).is_empty());
        assert!(listening("tcp", "header\ngarbage line\n").is_empty());
    }

    #[test]
    fn uptime_is_the_first_number() {
        assert_eq!(parse_uptime("12345.67 2345.12\n"), Some(12345.67));
        assert_eq!(parse_uptime(""), None);
    }
}
