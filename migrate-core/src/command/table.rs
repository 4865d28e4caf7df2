//! The static command table: class, key rules, db arguments and value type of every command
//! a replication stream (or an AOF) can carry.

use super::keys::KeyRule;

/// What kind of command this is, for routing and policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandClass {
    /// A data write (strings, keyspace, collections, streams, HLL, bitmaps, geo...).
    Write,
    /// Replication control that is answered or consumed by the replica, never forwarded
    /// (`REPLCONF`, `ASKING`).
    Control,
    /// `MULTI` / `EXEC` / `DISCARD` / `WATCH` / `UNWATCH`.
    Transaction,
    /// Lua scripting: `EVAL*`, `SCRIPT LOAD|FLUSH`.
    Script,
    /// Functions (7.0+): `FCALL*`, `FUNCTION LOAD|DELETE|FLUSH|RESTORE`.
    Function,
    /// `PUBLISH` / `SPUBLISH` (only in non-cluster streams).
    PubSub,
    /// Database-level commands: `SELECT`, `SWAPDB`, `FLUSHDB`, `FLUSHALL`.
    Db,
    /// The master's keepalive `PING`.
    Heartbeat,
    /// Not in the table (module commands, newer server commands). Policy decides; never
    /// dropped silently.
    Unknown,
}

/// The data type a command operates on, when it operates on exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ValueType {
    /// Strings (including bitmaps and HyperLogLogs, which are strings).
    String,
    /// Lists.
    List,
    /// Sets.
    Set,
    /// Sorted sets (including geo indexes, which are zsets).
    ZSet,
    /// Hashes.
    Hash,
    /// Streams.
    Stream,
    /// Module values (type 7 in an RDB); no command in the table has this type.
    Module,
}

impl ValueType {
    /// Parses the name Redis' `TYPE` command returns (`string`, `list`, `set`, `zset`,
    /// `hash`, `stream`) plus `module`; case-insensitive.
    pub fn from_name(name: &str) -> Option<ValueType> {
        Some(match name.to_ascii_lowercase().as_str() {
            "string" => ValueType::String,
            "list" => ValueType::List,
            "set" => ValueType::Set,
            "zset" => ValueType::ZSet,
            "hash" => ValueType::Hash,
            "stream" => ValueType::Stream,
            "module" => ValueType::Module,
            _ => return None,
        })
    }

    /// The `TYPE` name of this type.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::String => "string",
            ValueType::List => "list",
            ValueType::Set => "set",
            ValueType::ZSet => "zset",
            ValueType::Hash => "hash",
            ValueType::Stream => "stream",
            ValueType::Module => "module",
        }
    }
}

/// Which arguments of a command name databases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbArgs {
    /// None.
    None,
    /// `SELECT db`.
    Select,
    /// `MOVE key db`.
    Move,
    /// `COPY src dst [DB db] [REPLACE]`.
    Copy,
    /// `SWAPDB a b`.
    SwapDb,
    /// `FLUSHDB [ASYNC|SYNC]`: the current db.
    FlushDb,
    /// `FLUSHALL [ASYNC|SYNC]`: every db.
    FlushAll,
}

/// One row of the command table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandInfo {
    /// Upper-case command name.
    pub name: &'static str,
    /// Class for routing and policy.
    pub class: CommandClass,
    /// How to find the key arguments (union of the rules, in order).
    pub keys: &'static [KeyRule],
    /// Database arguments.
    pub db: DbArgs,
    /// The value type the command operates on, if exactly one.
    pub value_type: Option<ValueType>,
    /// Whether the command acts on the current database (keys, scripts, FLUSHDB); db-less
    /// commands (FLUSHALL, SWAPDB, PUBLISH, FUNCTION, MULTI...) are `false`.
    pub db_scoped: bool,
}

use CommandClass as C;
use KeyRule as K;
use ValueType as T;

const NONE: &[KeyRule] = &[];
const K1: &[KeyRule] = &[K::Index(1)];
const K12: &[KeyRule] = &[K::Range {
    first: 1,
    last: 2,
    step: 1,
}];
const ALL: &[KeyRule] = &[K::Range {
    first: 1,
    last: -1,
    step: 1,
}];
const ALL_BUT_TIMEOUT: &[KeyRule] = &[K::Range {
    first: 1,
    last: -2,
    step: 1,
}];
const PAIRS: &[KeyRule] = &[K::Range {
    first: 1,
    last: -1,
    step: 2,
}];
const DEST_NUMKEYS: &[KeyRule] = &[K::Index(1), K::NumKeys { count_at: 2 }];
const NUMKEYS1: &[KeyRule] = &[K::NumKeys { count_at: 1 }];
const NUMKEYS2: &[KeyRule] = &[K::NumKeys { count_at: 2 }];
const BITOP: &[KeyRule] = &[K::Range {
    first: 2,
    last: -1,
    step: 1,
}];
const SUB_KEY2: &[KeyRule] = &[K::Index(2)];
const SORT: &[KeyRule] = &[
    K::Index(1),
    K::Option {
        from: 2,
        store: &["STORE"],
        skip1: &["BY", "GET"],
        skip2: &["LIMIT"],
    },
];
const GEORADIUS: &[KeyRule] = &[
    K::Index(1),
    K::Option {
        from: 6,
        store: &["STORE", "STOREDIST"],
        skip1: &["COUNT"],
        skip2: &[],
    },
];
const GEORADIUSBYMEMBER: &[KeyRule] = &[
    K::Index(1),
    K::Option {
        from: 5,
        store: &["STORE", "STOREDIST"],
        skip1: &["COUNT"],
        skip2: &[],
    },
];
const XREAD: &[KeyRule] = &[K::Streams];
const MIGRATE: &[KeyRule] = &[K::Migrate];

const fn w(name: &'static str, keys: &'static [KeyRule], t: Option<ValueType>) -> CommandInfo {
    CommandInfo {
        name,
        class: C::Write,
        keys,
        db: DbArgs::None,
        value_type: t,
        db_scoped: true,
    }
}

const fn other(
    name: &'static str,
    class: CommandClass,
    keys: &'static [KeyRule],
    db: DbArgs,
    db_scoped: bool,
) -> CommandInfo {
    CommandInfo {
        name,
        class,
        keys,
        db,
        value_type: None,
        db_scoped,
    }
}

const S: Option<ValueType> = Some(T::String);
const L: Option<ValueType> = Some(T::List);
const SET: Option<ValueType> = Some(T::Set);
const Z: Option<ValueType> = Some(T::ZSet);
const H: Option<ValueType> = Some(T::Hash);
const X: Option<ValueType> = Some(T::Stream);
const ANY: Option<ValueType> = None;

/// The table, sorted by name (checked by a unit test; lookups binary-search it).
pub static TABLE: &[CommandInfo] = &[
    w("APPEND", K1, S),
    other("ASKING", C::Control, NONE, DbArgs::None, false),
    w("BITFIELD", K1, S),
    w("BITOP", BITOP, S),
    w("BLMOVE", K12, L),
    w("BLMPOP", NUMKEYS2, L),
    w("BLPOP", ALL_BUT_TIMEOUT, L),
    w("BRPOP", ALL_BUT_TIMEOUT, L),
    w("BRPOPLPUSH", K12, L),
    w("BZMPOP", NUMKEYS2, Z),
    w("BZPOPMAX", ALL_BUT_TIMEOUT, Z),
    w("BZPOPMIN", ALL_BUT_TIMEOUT, Z),
    CommandInfo {
        name: "COPY",
        class: C::Write,
        keys: K12,
        db: DbArgs::Copy,
        value_type: None,
        db_scoped: true,
    },
    w("DECR", K1, S),
    w("DECRBY", K1, S),
    w("DEL", ALL, ANY),
    other("DISCARD", C::Transaction, NONE, DbArgs::None, false),
    other("EVAL", C::Script, NUMKEYS2, DbArgs::None, true),
    other("EVALSHA", C::Script, NUMKEYS2, DbArgs::None, true),
    other("EVALSHA_RO", C::Script, NUMKEYS2, DbArgs::None, true),
    other("EVAL_RO", C::Script, NUMKEYS2, DbArgs::None, true),
    other("EXEC", C::Transaction, NONE, DbArgs::None, false),
    w("EXPIRE", K1, ANY),
    w("EXPIREAT", K1, ANY),
    other("FCALL", C::Function, NUMKEYS2, DbArgs::None, true),
    other("FCALL_RO", C::Function, NUMKEYS2, DbArgs::None, true),
    other("FLUSHALL", C::Db, NONE, DbArgs::FlushAll, false),
    other("FLUSHDB", C::Db, NONE, DbArgs::FlushDb, true),
    other("FUNCTION", C::Function, NONE, DbArgs::None, false),
    w("GEOADD", K1, Z),
    w("GEORADIUS", GEORADIUS, Z),
    w("GEORADIUSBYMEMBER", GEORADIUSBYMEMBER, Z),
    w("GEOSEARCHSTORE", K12, Z),
    w("GETDEL", K1, S),
    w("GETEX", K1, S),
    w("GETSET", K1, S),
    w("HDEL", K1, H),
    w("HEXPIRE", K1, H),
    w("HEXPIREAT", K1, H),
    w("HGETDEL", K1, H),
    w("HGETEX", K1, H),
    w("HINCRBY", K1, H),
    w("HINCRBYFLOAT", K1, H),
    w("HMSET", K1, H),
    w("HPERSIST", K1, H),
    w("HPEXPIRE", K1, H),
    w("HPEXPIREAT", K1, H),
    w("HSET", K1, H),
    w("HSETEX", K1, H),
    w("HSETNX", K1, H),
    w("INCR", K1, S),
    w("INCRBY", K1, S),
    w("INCRBYFLOAT", K1, S),
    w("LINSERT", K1, L),
    w("LMOVE", K12, L),
    w("LMPOP", NUMKEYS1, L),
    w("LPOP", K1, L),
    w("LPUSH", K1, L),
    w("LPUSHX", K1, L),
    w("LREM", K1, L),
    w("LSET", K1, L),
    w("LTRIM", K1, L),
    w("MIGRATE", MIGRATE, ANY),
    CommandInfo {
        name: "MOVE",
        class: C::Write,
        keys: K1,
        db: DbArgs::Move,
        value_type: None,
        db_scoped: true,
    },
    w("MSET", PAIRS, S),
    w("MSETNX", PAIRS, S),
    other("MULTI", C::Transaction, NONE, DbArgs::None, false),
    w("PERSIST", K1, ANY),
    w("PEXPIRE", K1, ANY),
    w("PEXPIREAT", K1, ANY),
    w("PFADD", K1, S),
    w("PFCOUNT", ALL, S),
    w("PFDEBUG", SUB_KEY2, S),
    w("PFMERGE", ALL, S),
    other("PING", C::Heartbeat, NONE, DbArgs::None, false),
    w("PSETEX", K1, S),
    other("PUBLISH", C::PubSub, NONE, DbArgs::None, false),
    w("RENAME", K12, ANY),
    w("RENAMENX", K12, ANY),
    other("REPLCONF", C::Control, NONE, DbArgs::None, false),
    w("RESTORE", K1, ANY),
    w("RESTORE-ASKING", K1, ANY),
    w("RPOP", K1, L),
    w("RPOPLPUSH", K12, L),
    w("RPUSH", K1, L),
    w("RPUSHX", K1, L),
    w("SADD", K1, SET),
    other("SCRIPT", C::Script, NONE, DbArgs::None, false),
    w("SDIFFSTORE", ALL, SET),
    other("SELECT", C::Db, NONE, DbArgs::Select, false),
    w("SET", K1, S),
    w("SETBIT", K1, S),
    w("SETEX", K1, S),
    w("SETNX", K1, S),
    w("SETRANGE", K1, S),
    w("SINTERSTORE", ALL, SET),
    w("SMOVE", K12, SET),
    w("SORT", SORT, ANY),
    w("SPOP", K1, SET),
    other("SPUBLISH", C::PubSub, NONE, DbArgs::None, false),
    w("SREM", K1, SET),
    w("SUNIONSTORE", ALL, SET),
    other("SWAPDB", C::Db, NONE, DbArgs::SwapDb, false),
    w("UNLINK", ALL, ANY),
    other("UNWATCH", C::Transaction, NONE, DbArgs::None, false),
    other("WATCH", C::Transaction, ALL, DbArgs::None, true),
    w("XACK", K1, X),
    w("XADD", K1, X),
    w("XAUTOCLAIM", K1, X),
    w("XCLAIM", K1, X),
    w("XDEL", K1, X),
    w("XGROUP", SUB_KEY2, X),
    w("XREADGROUP", XREAD, X),
    w("XSETID", K1, X),
    w("XTRIM", K1, X),
    w("ZADD", K1, Z),
    w("ZDIFFSTORE", DEST_NUMKEYS, Z),
    w("ZINCRBY", K1, Z),
    w("ZINTERSTORE", DEST_NUMKEYS, Z),
    w("ZMPOP", NUMKEYS1, Z),
    w("ZPOPMAX", K1, Z),
    w("ZPOPMIN", K1, Z),
    w("ZRANGESTORE", K12, Z),
    w("ZREM", K1, Z),
    w("ZREMRANGEBYLEX", K1, Z),
    w("ZREMRANGEBYRANK", K1, Z),
    w("ZREMRANGEBYSCORE", K1, Z),
    w("ZUNIONSTORE", DEST_NUMKEYS, Z),
];

/// Longest name in the table (bounds the stack buffer used for case folding).
const MAX_NAME: usize = 24;

/// Looks a command up by name, case-insensitively. `None` for commands not in the table.
pub fn lookup(name: &[u8]) -> Option<&'static CommandInfo> {
    if name.len() > MAX_NAME {
        return None;
    }
    let mut buf = [0u8; MAX_NAME];
    let upper = &mut buf[..name.len()];
    upper.copy_from_slice(name);
    upper.make_ascii_uppercase();
    TABLE
        .binary_search_by(|row| row.name.as_bytes().cmp(upper))
        .ok()
        .and_then(|i| TABLE.get(i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_names_fit() {
        for pair in TABLE.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} !< {}",
                pair[0].name,
                pair[1].name
            );
        }
        for row in TABLE {
            assert!(row.name.len() <= MAX_NAME);
            assert_eq!(row.name, row.name.to_ascii_uppercase());
        }
    }

    #[test]
    fn lookup_is_case_insensitive() {
        assert_eq!(lookup(b"set").map(|c| c.name), Some("SET"));
        assert_eq!(
            lookup(b"ReStOrE-AsKiNg").map(|c| c.name),
            Some("RESTORE-ASKING")
        );
        assert_eq!(
            lookup(b"zunionstore").map(|c| c.class),
            Some(CommandClass::Write)
        );
        assert!(lookup(b"json.set").is_none());
        assert!(lookup(b"").is_none());
        assert!(lookup(&[b'x'; 100]).is_none());
        for row in TABLE {
            assert_eq!(lookup(row.name.to_ascii_lowercase().as_bytes()), Some(row));
        }
    }

    #[test]
    fn value_type_names_round_trip() {
        for t in [
            T::String,
            T::List,
            T::Set,
            T::ZSet,
            T::Hash,
            T::Stream,
            T::Module,
        ] {
            assert_eq!(ValueType::from_name(t.name()), Some(t));
        }
        assert_eq!(ValueType::from_name("ZSET"), Some(T::ZSet));
        assert_eq!(ValueType::from_name("json"), None);
    }
}
