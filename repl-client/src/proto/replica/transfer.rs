//! The RDB transfer: its header (`$<len>` or `$EOF:<mark>`), its bytes, its end.

use std::time::Instant;

use resp_codec::PayloadLen;

use super::{LinkAction, Phase, Rdb, Replica};
use crate::error::Error;
use crate::proto::event::Event;
use crate::proto::handshake::{self, Refusal, Step};
use crate::proto::mark::MarkFinder;

impl Replica {
    pub(super) fn process_rdb_header(&mut self, now: Instant) -> Result<bool, Error> {
        let first = self.buf.iter().copied().find(|&b| b != b'\n');
        if first == Some(b'-') || first == Some(b'+') {
            // The master aborted the sync (or a SYNC reply); treat the line as a reply.
            let Some(d) = self
                .decoder
                .decode(&mut self.buf)
                .map_err(|source| Error::Protocol {
                    offset: self.offset,
                    detail: format!("reply before the RDB: {source}"),
                })?
            else {
                return Ok(false);
            };
            let text = d
                .frame
                .error_message()
                .or(d.frame.as_bytes())
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            if d.frame.is_error() {
                let step = self.steps.pop_front().unwrap_or(Step::Psync);
                return match handshake::classify(&self.cfg, step, &text) {
                    Refusal::Fatal(e) => Err(e),
                    _ => {
                        self.retry(now, format!("the master aborted the sync: -{text}"));
                        Ok(false)
                    }
                };
            }
            return Err(Error::Protocol {
                offset: self.offset,
                detail: format!("`+{text}` where the RDB header was expected"),
            });
        }
        let Some(h) = self
            .decoder
            .decode_payload_header(&mut self.buf)
            .map_err(|source| Error::Protocol {
                offset: self.offset,
                detail: format!("RDB header: {source}"),
            })?
        else {
            return Ok(false);
        };
        if self.steps.front() == Some(&Step::Sync) {
            // The old protocol: no replication id, offsets count from 0.
            self.steps.clear();
            self.begin_full_sync(String::new(), 0);
        }
        self.rdb = Some(match h.payload {
            PayloadLen::Exact(n) => Rdb::Sized { remaining: n },
            PayloadLen::EofMark(mark) => Rdb::Eof(MarkFinder::new(mark)),
        });
        self.phase = Phase::RdbTransfer;
        self.link_ok();
        self.next_ack = Some(now + self.cfg.ack_interval);
        Ok(true)
    }

    pub(super) fn process_rdb(&mut self, now: Instant) -> Result<bool, Error> {
        if self.buf.is_empty() && !matches!(self.rdb, Some(Rdb::Sized { remaining: 0 })) {
            return Ok(false);
        }
        let done = match &mut self.rdb {
            Some(Rdb::Sized { remaining }) => {
                let n = usize::try_from(*remaining)
                    .unwrap_or(usize::MAX)
                    .min(self.buf.len());
                let chunk = self.buf.split_to(n).freeze();
                *remaining -= n as u64;
                self.rdb_bytes += n as u64;
                if !chunk.is_empty() {
                    self.events.push_back(Event::RdbChunk(chunk));
                }
                *remaining == 0
            }
            Some(Rdb::Eof(finder)) => {
                let (emit, done) = finder.scan(&mut self.buf);
                if let Some(chunk) = emit {
                    self.rdb_bytes += chunk.len() as u64;
                    self.events.push_back(Event::RdbChunk(chunk));
                }
                done
            }
            None => {
                return Err(Error::Protocol {
                    offset: self.offset,
                    detail: "no RDB state".into(),
                })
            }
        };
        if !done {
            return Ok(false);
        }
        let diskless = matches!(self.rdb, Some(Rdb::Eof(_)));
        self.rdb = None;
        // Keep the decoder's byte count (used in its error offsets) in step.
        let _ = self.decoder.note_raw_bytes(self.rdb_bytes);
        self.events.push_back(Event::RdbDone {
            bytes: self.rdb_bytes,
        });
        if self.cfg.rdb_only {
            self.phase = Phase::Closed;
            self.links.push_back(LinkAction::Close);
            self.events.push_back(Event::Finished);
            return Ok(false);
        }
        self.phase = Phase::Streaming;
        self.resumable = !self.sync_only;
        if diskless && !self.sync_only {
            // The master starts the stream only on an ACK it receives after it noticed
            // the end of the transfer: one now, then every interval (the timer).
            self.send_ack();
            self.next_ack = Some(now + self.cfg.ack_interval);
        }
        Ok(true)
    }
}
