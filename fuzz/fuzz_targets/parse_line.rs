//! Any bytes given to the line parser either become a record that satisfies the record's rules
//! or a rejection; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tokenboard_record::{MAX_MODEL_BYTES, parse_line};

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = parse_line(data, &mut |_| {}) {
        assert!(!record.id.is_empty());
        assert!(!record.model.is_empty() && record.model.len() <= MAX_MODEL_BYTES);
        assert!(record.model.contains('/'));
        for count in [
            record.tokens_prompt,
            record.tokens_completion,
            record.native_tokens_prompt,
            record.native_tokens_completion,
            record.native_tokens_reasoning,
            record.native_tokens_cached,
        ]
        .into_iter()
        .flatten()
        {
            assert!(count >= 0);
        }
    }
});
