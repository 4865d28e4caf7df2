//! Server-global records of an RDB: function libraries and cached Lua scripts.

use super::writer::lossy;
use super::{Argv, ConvertError, TargetCaps};

/// The command that installs a function library (an RDB `FUNCTION2` record's code) on the
/// target: `FUNCTION LOAD REPLACE <code>` (7.0+). Older targets have no functions.
pub fn function_load_command(code: &[u8], caps: &TargetCaps) -> Result<Argv, ConvertError> {
    if !caps.at_least(7, 0) {
        let name = code.split(|&b| b == b'\n').next().unwrap_or_default();
        return Err(ConvertError::Unsupported {
            key: lossy(name),
            what: "functions",
            version: caps.version,
        });
    }
    Ok(vec![
        b"FUNCTION".to_vec(),
        b"LOAD".to_vec(),
        b"REPLACE".to_vec(),
        code.to_vec(),
    ])
}

/// The command that caches a Lua script (an RDB `lua` AUX field, 5.0-6.2) so that later
/// `EVALSHA` calls in the stream find it: `SCRIPT LOAD <code>`.
pub fn script_load_command(code: &[u8]) -> Argv {
    vec![b"SCRIPT".to_vec(), b"LOAD".to_vec(), code.to_vec()]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn commands() {
        let code = b"#!lua name=lib\nredis.register_function('f', function() return 1 end)";
        let c = function_load_command(code, &TargetCaps::for_version(7, 0)).unwrap();
        assert_eq!(
            c[..3],
            [b"FUNCTION".to_vec(), b"LOAD".to_vec(), b"REPLACE".to_vec()]
        );
        let e = function_load_command(code, &TargetCaps::for_version(6, 2)).unwrap_err();
        assert!(e.to_string().contains("#!lua name=lib"), "{e}");
        assert_eq!(script_load_command(b"return 1")[2], b"return 1");
    }
}
