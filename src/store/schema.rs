//! Versioned schema migrations (`PRAGMA user_version`). Each entry upgrades from the previous
//! version; never edit a shipped migration, only append.

use rusqlite::Connection;

pub const MIGRATIONS: &[&str] = &[
    // 1: identity, contacts, conversations, messages, durable outbox, polling state.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
    CREATE TABLE contacts (
        session_id TEXT PRIMARY KEY,
        display_name TEXT,
        nickname TEXT,
        approved INTEGER NOT NULL DEFAULT 0,
        approved_me INTEGER NOT NULL DEFAULT 0,
        blocked INTEGER NOT NULL DEFAULT 0,
        profile_picture TEXT,
        profile_key BLOB,
        profile_updated_s INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        kind INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        last_activity INTEGER NOT NULL
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        outgoing INTEGER NOT NULL,
        sender TEXT NOT NULL,
        body TEXT,
        sent_ts INTEGER NOT NULL,
        received_ts INTEGER NOT NULL,
        state INTEGER NOT NULL,
        is_read INTEGER NOT NULL DEFAULT 0,
        server_hash TEXT,
        extra TEXT,
        UNIQUE (conversation, sender, sent_ts)
    );
    CREATE INDEX messages_by_conversation ON messages (conversation, sent_ts, id);
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
        destination TEXT NOT NULL,
        namespace INTEGER NOT NULL,
        data BLOB NOT NULL,
        ttl_ms INTEGER NOT NULL,
        primary_copy INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        deadline INTEGER NOT NULL,
        last_error TEXT
    );
    CREATE TABLE poll_state (
        account TEXT NOT NULL,
        namespace INTEGER NOT NULL,
        node TEXT NOT NULL,
        last_hash TEXT NOT NULL,
        PRIMARY KEY (account, namespace, node)
    );
    CREATE TABLE seen_hashes (hash TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
    "#,
    // 2: attachments, outgoing (waiting for upload) and incoming (waiting for download).
    r#"
    CREATE TABLE attachments (
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        file_name TEXT,
        content_type TEXT,
        size INTEGER NOT NULL,
        flags INTEGER NOT NULL DEFAULT 0,
        width INTEGER,
        height INTEGER,
        caption TEXT,
        url TEXT,
        key BLOB,
        digest BLOB,
        state INTEGER NOT NULL,
        blob_path TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        deadline INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        PRIMARY KEY (message_id, idx)
    );
    CREATE INDEX attachments_pending ON attachments (state, next_attempt_at);
    "#,
    // 3: groups (v2, 03 IDs): credentials and the dumped keys, info and members configs.
    r#"
    CREATE TABLE groups (
        id TEXT PRIMARY KEY,
        state INTEGER NOT NULL,
        name TEXT,
        admin_seed BLOB,
        auth_data BLOB,
        inviter TEXT,
        keys_dump BLOB,
        info_dump BLOB,
        members_dump BLOB,
        pending_response INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    );
    "#,
];

/// Bring the database to the newest version inside one transaction per step.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<u32> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
        tx.commit()?;
    }
    Ok(MIGRATIONS.len() as u32)
}
