//! The incremental phase: stream commands -> filter -> adapt -> sink, with the offsets
//! that become applied.

use bytes::Bytes;
use repl_client::StreamCommand;

use super::engine::Engine;
use super::MigrateError;
use crate::command::{adapt, Compat};
use crate::filter::{DropReason, FilterDecision};
use crate::lag::unix_ms;
use crate::sink::SinkCommand;

impl Engine {
    pub(super) async fn command(&mut self, c: StreamCommand) -> Result<(), MigrateError> {
        if c.end <= self.sent_offset {
            // Re-delivered after a source reconnect that resumed before what we had
            // already queued: sent once already.
            return Ok(());
        }
        self.status.commands_received += 1;
        self.status.received_offset = Some(c.end);
        let argv = c.command.argv();
        self.heartbeat_seen(argv, c.end);
        self.incr_limiter
            .take(1, c.end.saturating_sub(c.start))
            .await;
        let decision = match self.filter.decide(argv) {
            Ok(d) => d,
            Err(source) => {
                self.policy(MigrateError::Filter {
                    command: String::from_utf8_lossy(c.command.name()).into_owned(),
                    offset: c.end,
                    source,
                })?;
                self.dropped(c.end);
                return Ok(());
            }
        };
        if let Some(r) = &self.replid {
            // The position after this command, for a sink checkpointing with its data.
            self.sink.checkpoint_position(r, self.filter.current_db());
        }
        let ack = (!self.filter.in_transaction()).then_some(c.end);
        match decision {
            FilterDecision::Forward { db, open_multi } => {
                if open_multi {
                    self.multi(&c).await?;
                }
                self.send_adapted(argv, db, ack, &c).await?;
            }
            FilterDecision::Replace {
                open_multi,
                commands,
            } => {
                if open_multi {
                    self.multi(&c).await?;
                }
                let n = commands.len();
                if n == 0 {
                    self.dropped(c.end);
                }
                for (i, tc) in commands.into_iter().enumerate() {
                    let argv: Vec<Bytes> = tc.argv.into_iter().map(Bytes::from).collect();
                    let a = if i + 1 == n { ack } else { None };
                    self.send_adapted(&argv, tc.db, a, &c).await?;
                }
            }
            FilterDecision::Drop(reason) => {
                match reason {
                    DropReason::SelectTracked { db } => self.db_changes.push_back((c.end, db)),
                    // Nothing of the transaction was forwarded: its MULTI is dropped too.
                    DropReason::EmptyTransaction => self.status.commands_dropped += 1,
                    _ => {}
                }
                // A MULTI is held back until the transaction forwards something (then it is
                // sent): not counted as dropped.
                if reason != DropReason::MultiDeferred {
                    self.dropped(c.end);
                }
            }
            FilterDecision::DropPartial {
                command,
                matched,
                unmatched,
            } => {
                self.status.warn(format!(
                    "dropped {command} at offset {}: keys only partly selected ({} selected, {} not)",
                    c.end,
                    matched.len(),
                    unmatched.len()
                ));
                self.dropped(c.end);
            }
        }
        self.sent_offset = c.end;
        if let Some(a) = self.sink.applied_offset() {
            if let Some(l) = self.lag.applied(a, unix_ms()) {
                self.status.lag_ms = Some(l);
            }
        }
        Ok(())
    }

    fn dropped(&mut self, end: u64) {
        self.status.commands_dropped += 1;
        if !self.filter.in_transaction() {
            self.sink.mark(end);
        }
    }

    fn heartbeat_seen(&mut self, argv: &[Bytes], end: u64) {
        let Some((key, _)) = &self.m.b.heartbeat else {
            return;
        };
        if argv.len() >= 3 && argv[0].eq_ignore_ascii_case(b"SET") && argv[1] == key.as_bytes() {
            if let Some(ts) = std::str::from_utf8(&argv[2])
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
            {
                self.lag.seen(end, ts);
            }
        }
    }

    async fn multi(&mut self, c: &StreamCommand) -> Result<(), MigrateError> {
        let argv = [Bytes::from_static(b"MULTI")];
        self.sink
            .write_command(SinkCommand {
                db: None,
                argv: &argv,
                start: c.start,
                end: c.end,
                ack: None,
            })
            .await?;
        Ok(())
    }

    async fn send_adapted(
        &mut self,
        argv: &[Bytes],
        db: Option<u32>,
        ack: Option<u64>,
        c: &StreamCommand,
    ) -> Result<(), MigrateError> {
        let compat = match adapt(argv, &self.tcaps, unix_ms()) {
            Ok(x) => x,
            Err(source) => {
                self.policy(MigrateError::Incompatible {
                    offset: c.end,
                    source,
                })?;
                if let Some(a) = ack {
                    self.sink.mark(a);
                }
                return Ok(());
            }
        };
        match compat {
            Compat::Unchanged => {
                self.sink
                    .write_command(SinkCommand {
                        db,
                        argv,
                        start: c.start,
                        end: c.end,
                        ack,
                    })
                    .await?;
            }
            Compat::Replace(cmds) => {
                let n = cmds.len();
                if n == 0 {
                    if let Some(a) = ack {
                        self.sink.mark(a);
                    }
                }
                for (i, v) in cmds.into_iter().enumerate() {
                    let argv: Vec<Bytes> = v.into_iter().map(Bytes::from).collect();
                    self.sink
                        .write_command(SinkCommand {
                            db,
                            argv: &argv,
                            start: c.start,
                            end: c.end,
                            ack: if i + 1 == n { ack } else { None },
                        })
                        .await?;
                }
            }
        }
        Ok(())
    }
}
