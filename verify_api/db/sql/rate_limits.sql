-- Shared rate-limit counters (db/rate_limits.py): one row per (bucket, fixed window).

-- name: take_tokens --
-- A lease of up to $3 tokens from the budget of bucket $1 in window $2, in one statement (the row lock orders
-- workers). The budget is the sliding-window estimate: limit $4 less the previous window's count weighted by the part
-- of it still inside the sliding window ($5 of $6 milliseconds), rounded up. Returns the count after the lease, what
-- it granted, and the previous window's count.
WITH previous AS (
    SELECT least(taken, $4::bigint) AS taken FROM rate_limit_windows WHERE bucket = $1 AND window_index = $2::bigint - 1
), budget AS (
    SELECT $4::bigint - (coalesce((SELECT taken FROM previous), 0) * $5::bigint + $6::bigint - 1) / $6::bigint AS tokens
), counted AS (
    INSERT INTO rate_limit_windows AS w (bucket, window_index, taken, granted)
    SELECT $1, $2::bigint, least($3::bigint, greatest(tokens, 0)), least($3::bigint, greatest(tokens, 0)) FROM budget
    ON CONFLICT (bucket, window_index) DO UPDATE
        SET granted = least($3::bigint, greatest((SELECT tokens FROM budget) - w.taken, 0)),
            taken = w.taken + least($3::bigint, greatest((SELECT tokens FROM budget) - w.taken, 0))
    RETURNING w.taken, w.granted
)
SELECT counted.taken, counted.granted, coalesce((SELECT taken FROM previous), 0) AS previous FROM counted

-- name: forget_windows_before --
DELETE FROM rate_limit_windows WHERE window_index < $1
