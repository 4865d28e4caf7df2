//! Bookkeeping of the commands in flight to the target: what each reply means.

use std::collections::VecDeque;

use resp_codec::Frame;

use super::error::{Rejected, SinkError};
use super::SinkStats;
use crate::config::{ConflictPolicy, OnError};

/// What a command in flight is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `RESTORE` of a whole key.
    Restore,
    /// A command rebuilding a key; `last`: the key's last one.
    KeyCmd { last: bool },
    /// `MSET` of `keys` whole strings.
    Mset { keys: u32 },
    /// `SET ... NX` of a whole string (`SkipExisting`): a null reply keeps the existing key.
    SetNx,
    /// A stream command.
    Stream,
    /// `EXEC` of a stream transaction (its reply carries every command's result).
    Exec,
    /// Plumbing (`SELECT`, `SCRIPT LOAD`, `FUNCTION LOAD`...).
    Plumbing,
    /// The `EXEC` closing one of the sink's own checkpointed blocks: its items are the
    /// replies of the commands queued in the block (held until then).
    Block,
}

/// Command name and key, inline (no allocation per command), for error messages.
#[derive(Clone, Copy)]
pub(super) struct Label {
    buf: [u8; 72],
    name_len: u8,
    key_len: u8,
}

impl Label {
    const NAME_MAX: usize = 24;

    pub(super) fn new(name: &[u8], key: &[u8]) -> Label {
        let mut buf = [0u8; 72];
        let n = name.len().min(Self::NAME_MAX);
        buf[..n].copy_from_slice(&name[..n]);
        let k = key.len().min(buf.len() - n);
        buf[n..n + k].copy_from_slice(&key[..k]);
        Label {
            buf,
            name_len: n as u8,
            key_len: k as u8,
        }
    }

    pub(super) fn name(&self) -> String {
        String::from_utf8_lossy(&self.buf[..usize::from(self.name_len)]).to_ascii_uppercase()
    }

    pub(super) fn key(&self) -> String {
        let n = usize::from(self.name_len);
        crate::verify::escape_bytes(&self.buf[n..n + usize::from(self.key_len)])
    }
}

/// One command in flight.
#[derive(Clone, Copy)]
pub(super) struct Pending {
    pub kind: Kind,
    /// Offset applied once this reply arrives.
    pub ack: Option<u64>,
    /// Offset of the stream command (for error messages).
    pub offset: Option<u64>,
    /// Bytes it took on the wire.
    pub bytes: usize,
    pub label: Label,
    /// Queued inside one of the sink's blocks: its reply is `+QUEUED` (or a queue-time
    /// error); its real reply is an item of the block's `EXEC`.
    pub in_block: bool,
}

/// The in-flight queue and what the replies have told so far.
#[derive(Default)]
pub(super) struct Inflight {
    pub queue: VecDeque<Pending>,
    pub bytes: usize,
    pub applied: Option<u64>,
    pub stats: SinkStats,
    pub rejected: Vec<Rejected>,
    /// The first error to report (policy `stop`).
    pub failed: Option<SinkError>,
    /// Commands of an open block that were queued, waiting for the block's `EXEC`.
    pub held: VecDeque<Pending>,
    /// The first command of the open block the target refused to queue.
    pub abort: Option<Rejected>,
}

/// Most rejected commands remembered between two `take_rejected` calls.
const MAX_REJECTED: usize = 1000;

impl Inflight {
    pub(super) fn push(&mut self, p: Pending) {
        self.bytes += p.bytes;
        self.stats.bytes_written += p.bytes as u64;
        self.queue.push_back(p);
    }

    pub(super) fn mark(&mut self, offset: u64) {
        match self.queue.back_mut().or(self.held.back_mut()) {
            Some(p) => p.ack = Some(p.ack.map_or(offset, |a| a.max(offset))),
            None => self.applied = Some(self.applied.map_or(offset, |a| a.max(offset))),
        }
    }

    /// Forgets everything in flight (the connection is gone).
    pub(super) fn clear(&mut self) {
        self.queue.clear();
        self.bytes = 0;
        self.held.clear();
        self.abort = None;
    }

    pub(super) fn on_reply(&mut self, f: &Frame, conflict: ConflictPolicy, on_error: OnError) {
        let Some(p) = self.queue.pop_front() else {
            return;
        };
        self.bytes -= p.bytes.min(self.bytes);
        if p.in_block {
            // `+QUEUED`, or refused at queue time (the `EXEC` will abort the block).
            if let (Some(m), None) = (f.error_message(), &self.abort) {
                self.abort = Some(rejected(&p, None, m));
            }
            self.held.push_back(p);
            return;
        }
        if p.kind == Kind::Block {
            self.on_block_exec(f, &p, conflict, on_error);
            return;
        }
        self.apply(f, p, conflict, on_error);
    }

    /// The reply to a block's `EXEC`: one item per held command, or an abort.
    fn on_block_exec(
        &mut self,
        f: &Frame,
        p: &Pending,
        conflict: ConflictPolicy,
        on_error: OnError,
    ) {
        let abort = self.abort.take();
        match f.as_array() {
            Some(items) if abort.is_none() && items.len() == self.held.len() => {
                for it in items {
                    if let Some(h) = self.held.pop_front() {
                        self.apply(it, h, conflict, on_error);
                    }
                }
                if let Some(a) = p.ack {
                    self.applied = Some(self.applied.map_or(a, |x| x.max(a)));
                }
            }
            _ => {
                // Nothing of the block was applied. A command refused at queue time
                // (unknown command, wrong arity) cannot be skipped alone: the run stops
                // whatever the error policy, naming it.
                self.held.clear();
                let r = abort.unwrap_or_else(|| {
                    let m = f.error_message().map_or_else(
                        || format!("unexpected EXEC reply {f:?}"),
                        |m| String::from_utf8_lossy(m).into_owned(),
                    );
                    rejected(p, Some("EXEC".into()), m.as_bytes())
                });
                if self.failed.is_none() {
                    self.failed = Some(SinkError::Rejected(r));
                }
            }
        }
    }

    fn apply(&mut self, f: &Frame, p: Pending, conflict: ConflictPolicy, on_error: OnError) {
        match f.error_message() {
            None => match p.kind {
                Kind::Restore | Kind::KeyCmd { last: true } => self.stats.keys_written += 1,
                Kind::Mset { keys } => self.stats.keys_written += u64::from(keys),
                Kind::SetNx if f.is_null() => self.stats.keys_skipped_existing += 1,
                Kind::SetNx => self.stats.keys_written += 1,
                Kind::Stream => self.stats.commands_applied += 1,
                Kind::Exec => {
                    self.stats.commands_applied += 1;
                    if let Some(items) = f.as_array() {
                        for (i, it) in items.iter().enumerate() {
                            if let Some(m) = it.error_message() {
                                let what = format!("EXEC (command {} of the transaction)", i + 1);
                                self.reject(&p, Some(what), m, on_error);
                            }
                        }
                    } else if f.is_null() {
                        self.reject(&p, None, b"EXEC aborted (null reply)", on_error);
                    }
                }
                Kind::KeyCmd { last: false } | Kind::Plumbing | Kind::Block => {}
            },
            Some(m) => {
                if p.kind == Kind::Restore
                    && m.starts_with(b"BUSYKEY")
                    && conflict == ConflictPolicy::SkipExisting
                {
                    self.stats.keys_skipped_existing += 1;
                } else {
                    self.reject(&p, None, m, on_error);
                }
            }
        }
        if let Some(a) = p.ack {
            self.applied = Some(self.applied.map_or(a, |x| x.max(a)));
        }
    }

    fn reject(&mut self, p: &Pending, what: Option<String>, msg: &[u8], on_error: OnError) {
        let r = rejected(p, what, msg);
        // Plumbing failures and key writes of the full phase always stop: skipping them
        // would lose data silently. The policy covers stream commands.
        let skippable = matches!(p.kind, Kind::Stream | Kind::Exec);
        if on_error == OnError::Skip && skippable {
            self.stats.commands_rejected += 1;
            if self.rejected.len() < MAX_REJECTED {
                self.rejected.push(r);
            }
        } else if self.failed.is_none() {
            self.failed = Some(SinkError::Rejected(r));
        }
    }
}

fn rejected(p: &Pending, what: Option<String>, msg: &[u8]) -> Rejected {
    let what = what.or_else(|| match p.kind {
        Kind::Mset { keys } if keys > 1 => Some(format!(
            "MSET (of {keys} keys, none written; the first is named)"
        )),
        _ => None,
    });
    Rejected {
        command: what.unwrap_or_else(|| p.label.name()),
        key: p.label.key(),
        message: String::from_utf8_lossy(msg).into_owned(),
        offset: p.offset,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use bytes::Bytes;

    use super::*;

    fn p(kind: Kind, ack: Option<u64>) -> Pending {
        Pending {
            kind,
            ack,
            offset: ack,
            bytes: 10,
            label: Label::new(b"set", b"key:1"),
            in_block: false,
        }
    }

    fn err(m: &'static str) -> Frame {
        Frame::Error(Bytes::from_static(m.as_bytes()))
    }

    #[test]
    fn applied_offset_follows_replies_and_marks() {
        let mut f = Inflight::default();
        f.mark(5);
        assert_eq!(f.applied, Some(5));
        f.push(p(Kind::Stream, Some(10)));
        f.push(p(Kind::Stream, None));
        f.mark(20); // filtered commands after the last write
        assert_eq!(f.bytes, 20);
        f.on_reply(&Frame::simple("OK"), ConflictPolicy::Error, OnError::Stop);
        assert_eq!(f.applied, Some(10));
        f.on_reply(&Frame::Integer(1), ConflictPolicy::Error, OnError::Stop);
        assert_eq!(f.applied, Some(20));
        assert_eq!((f.stats.commands_applied, f.bytes), (2, 0));
        assert!(f.failed.is_none());
    }

    #[test]
    fn busykey_counts_as_skipped_only_under_skip_existing() {
        let mut f = Inflight::default();
        f.push(p(Kind::Restore, None));
        f.on_reply(
            &err("BUSYKEY Target key name already exists."),
            ConflictPolicy::SkipExisting,
            OnError::Stop,
        );
        assert_eq!(f.stats.keys_skipped_existing, 1);
        assert!(f.failed.is_none());
        f.push(p(Kind::Restore, None));
        f.on_reply(&err("BUSYKEY x"), ConflictPolicy::Overwrite, OnError::Skip);
        let e = f.failed.take().unwrap().to_string();
        assert!(
            e.contains("SET") && e.contains("key:1") && e.contains("BUSYKEY"),
            "{e}"
        );
    }

    #[test]
    fn stream_errors_follow_the_policy_key_errors_always_stop() {
        let mut f = Inflight::default();
        f.push(p(Kind::Stream, Some(7)));
        f.on_reply(&err("WRONGTYPE no"), ConflictPolicy::Error, OnError::Skip);
        assert_eq!((f.stats.commands_rejected, f.rejected.len()), (1, 1));
        assert_eq!(f.rejected[0].offset, Some(7));
        assert_eq!(f.applied, Some(7));
        f.push(p(Kind::KeyCmd { last: true }, None));
        f.on_reply(
            &err("OOM command not allowed"),
            ConflictPolicy::Error,
            OnError::Skip,
        );
        assert!(f.failed.take().unwrap().to_string().contains("OOM"));
        // EXEC: every item of the reply is checked.
        f.push(p(Kind::Exec, Some(9)));
        let reply = Frame::Array(vec![
            Frame::simple("OK"),
            err("ERR value is not an integer"),
        ]);
        f.on_reply(&reply, ConflictPolicy::Error, OnError::Stop);
        let e = f.failed.take().unwrap().to_string();
        assert!(
            e.contains("command 2 of the transaction") && e.contains("not an integer"),
            "{e}"
        );
    }

    fn queued(ack: Option<u64>) -> Pending {
        Pending {
            in_block: true,
            ..p(Kind::Stream, ack)
        }
    }

    #[test]
    fn block_items_are_replies_of_the_held_commands() {
        let mut f = Inflight::default();
        f.push(p(Kind::Plumbing, None)); // MULTI
        f.push(queued(Some(10)));
        f.push(queued(Some(20)));
        f.push(Pending {
            in_block: true,
            ..p(Kind::Plumbing, None)
        }); // SET checkpoint
        f.push(p(Kind::Block, Some(20)));
        let q = Frame::simple("QUEUED");
        f.on_reply(&Frame::simple("OK"), ConflictPolicy::Error, OnError::Skip);
        for _ in 0..3 {
            f.on_reply(&q, ConflictPolicy::Error, OnError::Skip);
        }
        // Nothing is applied before EXEC.
        assert_eq!((f.applied, f.held.len()), (None, 3));
        let reply = Frame::Array(vec![
            Frame::Integer(1),
            err("WRONGTYPE Operation against a key holding the wrong kind of value"),
            Frame::simple("OK"),
        ]);
        f.on_reply(&reply, ConflictPolicy::Error, OnError::Skip);
        assert_eq!(f.applied, Some(20));
        assert_eq!(
            (f.stats.commands_applied, f.stats.commands_rejected),
            (1, 1)
        );
        assert_eq!(f.rejected[0].offset, Some(20));
        assert!(f.rejected[0]
            .to_string()
            .contains("SET \"key:1\": WRONGTYPE"));
        assert!(f.held.is_empty() && f.failed.is_none());
    }

    #[test]
    fn queue_time_error_aborts_the_block_and_names_the_command() {
        let mut f = Inflight {
            applied: Some(5),
            ..Inflight::default()
        };
        f.push(p(Kind::Plumbing, None)); // MULTI
        f.push(queued(Some(10)));
        f.push(Pending {
            label: Label::new(b"frobnicate", b"k"),
            ..queued(Some(20))
        });
        f.push(p(Kind::Block, Some(20)));
        f.on_reply(&Frame::simple("OK"), ConflictPolicy::Error, OnError::Skip);
        f.on_reply(
            &Frame::simple("QUEUED"),
            ConflictPolicy::Error,
            OnError::Skip,
        );
        f.on_reply(
            &err("ERR unknown command 'frobnicate'"),
            ConflictPolicy::Error,
            OnError::Skip,
        );
        f.on_reply(
            &err("EXECABORT Transaction discarded because of previous errors."),
            ConflictPolicy::Error,
            OnError::Skip,
        );
        assert_eq!(f.applied, Some(5), "nothing of the block is applied");
        assert_eq!(f.stats.commands_applied, 0);
        let e = f.failed.take().unwrap().to_string();
        assert!(
            e.contains("FROBNICATE") && e.contains("\"k\"") && e.contains("unknown command"),
            "{e}"
        );
        assert!(f.held.is_empty() && f.abort.is_none());
    }

    #[test]
    fn labels_are_cut_not_allocated() {
        let long = vec![b'k'; 500];
        let l = Label::new(b"restore", &long);
        assert_eq!(l.name(), "RESTORE");
        assert_eq!(l.key().len(), 72 - 7);
    }
}
