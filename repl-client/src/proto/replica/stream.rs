//! The command stream: exact offsets, databases, GETACK, and continuing after `+CONTINUE`.

use std::time::Instant;

use super::{Phase, Replica, MAX_TRACKED_SELECTS};
use crate::error::Error;
use crate::proto::config::AckPolicy;
use crate::proto::event::{Event, StreamCommand};

impl Replica {
    pub(super) fn continue_stream(&mut self, now: Instant, new_id: Option<String>) {
        if let Some(id) = new_id {
            self.replid = Some(id);
        }
        // The master resends from applied+1; what was delivered beyond is replayed
        // silently so the consumer sees no duplicate.
        (self.offset, self.db) = self.resume_point();
        self.phase = Phase::Streaming;
        self.resumable = true;
        self.link_ok();
        self.next_ack = Some(now + self.cfg.ack_interval);
        self.events.push_back(Event::Continue {
            replid: self.replid.clone().unwrap_or_default(),
            offset: self.delivered,
        });
    }

    pub(super) fn process_stream(&mut self) -> Result<(), Error> {
        loop {
            let cmd = match self.decoder.decode_command(&mut self.buf) {
                Ok(Some(c)) => c,
                Ok(None) => return Ok(()),
                Err(source) => {
                    return Err(Error::Decode {
                        offset: self.offset,
                        source,
                    })
                }
            };
            let start = self.offset;
            let end = start + cmd.wire_len() as u64;
            self.offset = end;
            if cmd.is("SELECT") {
                let db = cmd
                    .arg(0)
                    .and_then(|a| std::str::from_utf8(a).ok())
                    .and_then(|s| s.parse::<u32>().ok())
                    .ok_or_else(|| Error::Protocol {
                        offset: start,
                        detail: "SELECT without a valid database number".into(),
                    })?;
                self.db = db;
                if end > self.delivered {
                    if self.selects.len() >= MAX_TRACKED_SELECTS {
                        self.select_floor = self.selects.pop_front();
                    }
                    self.selects.push_back((end, db));
                }
            }
            if end <= self.delivered {
                continue; // replayed after a resume from the applied offset
            }
            if cmd.is("REPLCONF")
                && cmd
                    .arg(0)
                    .is_some_and(|a| a.eq_ignore_ascii_case(b"GETACK"))
            {
                self.send_ack();
            }
            self.delivered = end;
            if self.cfg.ack_policy == AckPolicy::Delivered {
                self.applied = end;
                self.db_at_applied = self.db;
                self.selects.clear();
            }
            self.events.push_back(Event::Command(StreamCommand {
                db: self.db,
                start,
                end,
                command: cmd,
            }));
        }
    }
}
