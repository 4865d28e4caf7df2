//! Module values (type 7) and MODULE_AUX bodies: the generic opcode walker.
//!
//! Layout: `len module_id`, then `{ len opcode ; payload }*` up to opcode 0 (EOF). Opcodes:
//! 1 SINT and 2 UINT (a length), 3 FLOAT (4 bytes), 4 DOUBLE (8 bytes), 5 STRING (an RDB
//! string, possibly INT/LZF encoded). The data cannot be interpreted without the module; it
//! is delivered raw.

use super::rd::{Rd, Stop, P};
use super::value::U;
use super::{Parser, Pending};
use crate::error::ErrorKind;
use crate::event::{Item, ModuleId};

/// Module walk state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ms {
    /// The module id comes next.
    Id,
    /// Opcodes.
    Ops,
    /// EOF opcode seen.
    Done,
}

/// Walks one opcode (all of it). Returns `true` for the EOF opcode.
pub(crate) fn module_op(rd: &mut Rd<'_>) -> P<bool> {
    let at = rd.p;
    let op = rd.len()?;
    match op {
        0 => return Ok(true),
        1 | 2 => {
            rd.len()?;
        }
        3 => {
            rd.take(4)?;
        }
        4 => {
            rd.take(8)?;
        }
        5 => {
            rd.string()?;
        }
        _ => return Err(Stop::Bad(ErrorKind::BadModuleOpcode(op), at)),
    }
    Ok(false)
}

impl Parser {
    pub(crate) fn module_unit(&mut self, rd: &mut Rd<'_>, ms: Ms, collect: bool) -> P<(U, Ms)> {
        match ms {
            Ms::Id => {
                let id = rd.len()?;
                self.pend = Pending::Module(ModuleId(id));
                Ok((U::Ev, Ms::Ops))
            }
            Ms::Ops => {
                let at = rd.p;
                let eof = module_op(rd)?;
                if collect {
                    self.items.push(Item::In(at, rd.p - at));
                }
                Ok((U::Items(1), if eof { Ms::Done } else { Ms::Ops }))
            }
            Ms::Done => Ok((U::End, Ms::Done)),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::event::ModuleId;

    #[test]
    fn module_names_from_ids() {
        let m = ModuleId(0x45E2_5238_DF91_2C03);
        assert_eq!(&m.name(), b"ReJSON-RL");
        assert_eq!(m.encver(), 3);
        let m = ModuleId(0x3016_E5A2_89BE_F802);
        assert_eq!(m.name_string(), "MBbloom--");
        assert_eq!(m.encver(), 2);
    }
}
