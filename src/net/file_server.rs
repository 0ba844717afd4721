//! The file server client: upload and download encrypted blobs through onion requests, and the
//! attachment URL rules (files-and-attachments.md §1–3).

use super::config::{FileServer, NetworkConfig};
use super::network::{Network, ServerTarget, Transfer};
use crate::error::{Error, ErrorKind, Result};
use crate::sodium;
use crate::wire::onion::V4Request;
use serde_json::{Map, Value};

/// Where an uploaded file lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The server's file id (a decimal string on the public server).
    pub id: String,
    /// The URL receivers download from: `<server>/file/<id>`, with `#p=<ed25519>` for a server
    /// other than the network's default.
    pub url: String,
}

/// The server an attachment URL points at, and the file id in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    pub target: ServerTarget,
    pub id: String,
    /// The URL's fragment has `d`: the file uses the deterministic (secretstream) scheme.
    pub deterministic: bool,
}

type UrlParts = (String, String, u16, String, Option<String>, bool);

fn url_parts(url: &str) -> Result<UrlParts> {
    let bad = || Error::malformed(format!("not a file server URL: {url:?}"));
    let (main, fragment) = match url.split_once('#') {
        Some((m, f)) => (m, Some(f)),
        None => (url, None),
    };
    let (protocol, rest) = main.split_once("://").ok_or_else(bad)?;
    if protocol != "http" && protocol != "https" {
        return Err(bad());
    }
    let (authority, path) = rest.split_once('/').ok_or_else(bad)?;
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.parse::<u16>().map_err(|_| bad())?),
        None => (authority.to_string(), if protocol == "http" { 80 } else { 443 }),
    };
    let id = path.strip_prefix("file/").ok_or_else(bad)?.trim_end_matches('/');
    if id.is_empty() || id.contains('/') || id.contains('?') {
        return Err(bad());
    }
    let p = fragment.and_then(|f| f.split('&').find_map(|kv| kv.strip_prefix("p=")).map(str::to_owned));
    let d = fragment.is_some_and(|f| f.split('&').any(|kv| kv == "d" || kv.starts_with("d=")));
    Ok((protocol.to_string(), host, port, id.to_string(), p, d))
}

/// Resolve an attachment URL to a server and file id. A URL naming the server's Ed25519 key
/// (`#p=`) is reachable anywhere (the onion key is its X25519 conversion); without it, the URL
/// must be this network's file server (or the public one).
pub fn locate(url: &str, network: &NetworkConfig) -> Result<FileLocation> {
    let (protocol, host, port, id, p, deterministic) = url_parts(url)?;
    let x25519 = if let Some(p) = p {
        let ed = super::config::parse_key(&p, "file server key in the URL")?;
        sodium::ed25519_pk_to_x25519(&ed)?
    } else {
        let fs = &network.file_server;
        let mainnet = NetworkConfig::mainnet().file_server;
        if fs.host == host && fs.port == port {
            fs.x25519()?
        } else if mainnet.host == host {
            mainnet.x25519()?
        } else {
            return Err(Error::new(ErrorKind::Unsupported, format!("attachment on an unknown file server {host}:{port} without its key")));
        }
    };
    Ok(FileLocation { target: ServerTarget { host, port, protocol, x25519 }, id, deterministic })
}

/// The URL for a file uploaded to `fs`.
pub fn url_for(fs: &FileServer, id: &str) -> String {
    format!("{}/file/{id}", fs.base_url())
}

fn json_body(body: &[u8]) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

/// Upload an (already encrypted) blob to the network's file server.
pub async fn upload(network: &Network, blob: Vec<u8>, transfer: &Transfer) -> Result<Uploaded> {
    let fs = &network.config().file_server;
    let target = ServerTarget::from_file_server(fs)?;
    let mut headers = Map::new();
    headers.insert("Content-Type".into(), "application/octet-stream".into());
    let req = V4Request { method: "POST".into(), endpoint: "/file".into(), headers, body: Some(blob) };
    let resp = network.onion_to_server_with(&target, &req, transfer).await?;
    match resp.code {
        200 | 201 => {
            let v = json_body(&resp.body).ok_or_else(|| Error::malformed("file server upload reply is not JSON"))?;
            let id = match v.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(Error::malformed("file server upload reply lacks an id")),
            };
            Ok(Uploaded { url: url_for(fs, &id), id })
        }
        413 => Err(Error::new(ErrorKind::TooLarge, "the file server refused the upload as too large (413)")),
        code => Err(Error::new(
            ErrorKind::Network,
            format!("the file server refused the upload ({code}): {}", String::from_utf8_lossy(&resp.body)),
        )),
    }
}

/// Download a blob.
pub async fn download(network: &Network, location: &FileLocation, transfer: &Transfer) -> Result<Vec<u8>> {
    let req = V4Request { method: "GET".into(), endpoint: format!("/file/{}", location.id), headers: Map::new(), body: None };
    let resp = network.onion_to_server_with(&location.target, &req, transfer).await?;
    match resp.code {
        200 => Ok(resp.body),
        404 => Err(Error::new(ErrorKind::NotFound, "the file is no longer on the file server (expired or never uploaded)")),
        code => Err(Error::new(ErrorKind::Network, format!("the file server refused the download ({code})"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let net = NetworkConfig::mainnet();
        let l = locate("http://filev2.getsession.org/file/12345", &net).unwrap();
        assert_eq!((l.target.host.as_str(), l.target.port, l.id.as_str()), ("filev2.getsession.org", 80, "12345"));
        assert_eq!(url_for(&net.file_server, "7"), "http://filev2.getsession.org/file/7");
        let ed = "b8eef9821445ae16e2e97ef8aa6fe782fd11ad5253cd6723b281341dba22e371";
        let other = locate(&format!("https://files.example:8443/file/abc#d&p={ed}"), &net).unwrap();
        assert_eq!(other.target.x25519, sodium::ed25519_pk_to_x25519(&super::super::config::parse_key(ed, "k").unwrap()).unwrap());
        assert_eq!(other.target.port, 8443);
        assert_eq!(locate("http://elsewhere/file/1", &net).unwrap_err().kind(), ErrorKind::Unsupported);
        for bad in ["ftp://x/file/1", "http://x/files/1", "http://x/file/", "http://x:99999/file/1", "nonsense"] {
            assert!(locate(bad, &net).is_err(), "{bad}");
        }
    }
}
