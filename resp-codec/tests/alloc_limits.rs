//! Hostile headers cost nothing: a declared 512 MiB bulk, a 2^31-element array or map, or
//! an oversized length is rejected or awaited without any allocation sized by the claim.
//! A counting global allocator records the largest single allocation.
#![allow(clippy::unwrap_used, unsafe_code)] // unsafe: the GlobalAlloc impl only forwards.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::BytesMut;
use resp_codec::{DecodeError, Decoder, Limit, Limits, Protocol};

struct Counting;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` and returns the largest allocation made meanwhile (tests in this file run one
/// at a time: there is only this test function).
fn largest_during(f: impl FnOnce()) -> usize {
    LARGEST.store(0, Ordering::Relaxed);
    f();
    LARGEST.load(Ordering::Relaxed)
}

#[test]
fn hostile_headers_allocate_nothing_large() {
    let resp3 = || Decoder::new().with_protocol(Protocol::Resp3);
    // Accepted headers awaiting their elements: no allocation beyond the small input.
    for header in [
        &b"$536870912\r\n"[..],
        b"*2147483647\r\n",
        b"%2147483647\r\n",
        b"~2147483647\r\n",
        b">2147483647\r\n",
        b"|2147483647\r\n",
        b"*2147483647\r\n*2147483647\r\n*2147483647\r\n%2147483647\r\n$536870912\r\nabc",
    ] {
        let mut dec = resp3();
        let mut buf = BytesMut::with_capacity(256);
        buf.extend_from_slice(header);
        let big = largest_during(|| {
            assert!(dec.decode(&mut buf).unwrap().is_none());
        });
        assert!(
            big < 4096,
            "{:?}: largest allocation {big}",
            String::from_utf8_lossy(header)
        );
    }
    // Rejected headers: an error naming the limit, no large allocation.
    for (header, limit) in [
        (&b"$536870913\r\n"[..], Limit::BulkLen),
        (b"*2147483648\r\n", Limit::AggregateLen),
        (b"%9223372036854775807\r\n", Limit::AggregateLen),
    ] {
        let mut dec = resp3();
        let mut buf = BytesMut::from(header);
        let mut err = None;
        let big = largest_during(|| err = dec.decode(&mut buf).err());
        assert!(matches!(err, Some(DecodeError::LimitExceeded { limit: l, .. }) if l == limit));
        assert!(big < 4096, "largest allocation {big}");
    }
    // Depth: a deep nest is refused at the limit, the stack never grows past it.
    let mut deep = BytesMut::new();
    for _ in 0..10_000 {
        deep.extend_from_slice(b"*1\r\n");
    }
    let mut dec = Decoder::new().with_limits(Limits {
        max_depth: 64,
        ..Limits::DEFAULT
    });
    let err = dec.decode(&mut deep).unwrap_err();
    assert!(matches!(
        err,
        DecodeError::LimitExceeded {
            limit: Limit::Depth,
            value: 65,
            offset: 256,
            ..
        }
    ));
    // An endless line without CRLF is refused at the line limit, not buffered forever.
    let mut dec = Decoder::new().with_limits(Limits {
        max_bulk_len: 1 << 16,
        ..Limits::DEFAULT
    });
    let mut buf = BytesMut::new();
    buf.extend_from_slice(b"+");
    let mut err = None;
    for _ in 0..100 {
        buf.extend_from_slice(&[b'a'; 4096]);
        if let Err(e) = dec.decode(&mut buf) {
            err = Some(e);
            break;
        }
    }
    assert!(
        matches!(
            err,
            Some(DecodeError::LimitExceeded {
                limit: Limit::BulkLen,
                ..
            })
        ),
        "{err:?}"
    );
}
