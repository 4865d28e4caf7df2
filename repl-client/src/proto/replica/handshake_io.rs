//! Handshake replies: PING, AUTH, REPLCONF, PSYNC/SYNC and what each answer leads to.

use std::time::Instant;

use resp_codec::{encode_command, Frame};

use super::{Phase, Replica};
use crate::error::Error;
use crate::proto::event::Event;
use crate::proto::handshake::{self, Refusal, Step};

impl Replica {
    pub(super) fn process_handshake(&mut self, now: Instant) -> Result<bool, Error> {
        let Some(d) = self
            .decoder
            .decode(&mut self.buf)
            .map_err(|source| Error::Protocol {
                offset: self.decoder.position(),
                detail: format!("handshake reply: {source}"),
            })?
        else {
            return Ok(false);
        };
        let Some(step) = self.steps.pop_front() else {
            return Err(Error::Protocol {
                offset: self.decoder.position(),
                detail: format!("unexpected {} reply during the handshake", d.frame.kind()),
            });
        };
        let (ok, text) = match &d.frame {
            Frame::Simple(s) => (true, String::from_utf8_lossy(s).into_owned()),
            Frame::Error(s) => (false, String::from_utf8_lossy(s).into_owned()),
            other => {
                return Err(Error::Protocol {
                    offset: self.decoder.position(),
                    detail: format!("{} reply to {}", other.kind(), step.command()),
                })
            }
        };
        if ok {
            self.handshake_ok(now, step, &text)?;
        } else {
            self.handshake_err(now, step, &text)?;
        }
        let configured = matches!(
            step,
            Step::Auth | Step::ListeningPort | Step::Capa | Step::RdbOnly
        );
        if configured && self.steps.is_empty() && self.phase == Phase::Handshake {
            self.send_psync();
        }
        Ok(self.phase == Phase::Handshake || self.phase == Phase::AwaitingRdb)
    }

    pub(super) fn handshake_ok(
        &mut self,
        now: Instant,
        step: Step,
        text: &str,
    ) -> Result<(), Error> {
        match step {
            Step::Ping => self.send_after_ping(),
            Step::Psync => {
                if let Some((replid, offset)) = handshake::parse_fullresync(text) {
                    self.begin_full_sync(replid, offset);
                } else if let Some(new_id) = handshake::parse_continue(text) {
                    if self.psync_full {
                        return Err(Error::Protocol {
                            offset: 0,
                            detail: "+CONTINUE in reply to PSYNC ? -1".into(),
                        });
                    }
                    self.continue_stream(now, new_id);
                } else {
                    return Err(Error::Protocol {
                        offset: 0,
                        detail: format!("unexpected PSYNC reply `+{text}`"),
                    });
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn handshake_err(
        &mut self,
        now: Instant,
        step: Step,
        msg: &str,
    ) -> Result<(), Error> {
        let code = msg.split(' ').next().unwrap_or("");
        if step == Step::Ping
            && self.cfg.password.is_some()
            && (matches!(code, "NOAUTH" | "NOPERM") || msg.contains("operation not permitted"))
        {
            // Authentication comes next.
            self.send_after_ping();
            return Ok(());
        }
        match handshake::classify(&self.cfg, step, msg) {
            Refusal::Fatal(e) => Err(e),
            Refusal::Transient => {
                self.retry(now, format!("{} refused for now: -{msg}", step.command()));
                Ok(())
            }
            Refusal::Other => match step {
                Step::ListeningPort | Step::Capa => Ok(()),
                Step::RdbOnly => {
                    self.rdb_only_emulated = true;
                    Ok(())
                }
                Step::Psync if !self.cfg.rdb_only || self.rdb_only_emulated => {
                    // A master without PSYNC (before 2.8): the old protocol.
                    self.sync_only = true;
                    encode_command(&mut self.out, ["SYNC"]);
                    self.steps.push_back(Step::Sync);
                    self.phase = Phase::AwaitingRdb;
                    Ok(())
                }
                _ => Err(Error::Refused {
                    command: step.command().into(),
                    reply: format!("-{msg}"),
                }),
            },
        }
    }

    pub(super) fn send_after_ping(&mut self) {
        let steps = handshake::after_ping(&self.cfg, self.local_port, &mut self.out);
        self.steps.extend(steps);
    }

    pub(super) fn send_psync(&mut self) {
        let (id, off) = self.psync_args();
        self.psync_full = id == "?";
        encode_command(&mut self.out, ["PSYNC", id.as_str(), off.as_str()]);
        self.steps.push_back(Step::Psync);
    }

    pub(super) fn begin_full_sync(&mut self, replid: String, offset: u64) {
        let ev = if self.delivered_anything {
            Event::NewFullSync {
                replid: replid.clone(),
                offset,
                previous_replid: self.replid.clone().filter(|s| !s.is_empty()),
                previous_offset: self.resumable.then_some(self.delivered),
            }
        } else {
            Event::FullResync {
                replid: replid.clone(),
                offset,
            }
        };
        self.events.push_back(ev);
        self.replid = Some(replid);
        self.delivered = offset;
        self.applied = offset;
        self.offset = offset;
        self.db = 0;
        self.db_at_applied = 0;
        self.selects.clear();
        self.select_floor = None;
        self.resumable = false;
        self.delivered_anything = true;
        self.rdb_bytes = 0;
        self.phase = Phase::AwaitingRdb;
        self.next_ack = None; // first ACK one interval after the first RDB byte
    }
}
