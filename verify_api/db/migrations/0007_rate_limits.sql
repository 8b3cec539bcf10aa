-- Rate-limit budgets shared by every worker and instance (issue 10, "Running several"): how many tokens workers have
-- taken from one client's budget of one route class in one fixed window (window_index = epoch seconds / window).
-- Workers take tokens in leases (services/rate_limits.py): `taken` counts what was handed out, `granted` is the last
-- lease (read back by the statement that took it).
-- UNLOGGED: a crash may forget the current minute's counts, which only forgives; and nothing here is replicated.
CREATE UNLOGGED TABLE rate_limit_windows (
    bucket text NOT NULL,
    window_index bigint NOT NULL,
    taken bigint NOT NULL,
    granted bigint NOT NULL,
    PRIMARY KEY (bucket, window_index)
);
CREATE INDEX rate_limit_windows_window_index ON rate_limit_windows (window_index);
