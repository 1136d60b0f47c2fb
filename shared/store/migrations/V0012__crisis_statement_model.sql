-- Which model drafted a crisis alert's holding statement, so the app can label a sandbox
-- model's draft as such wherever the statement is shown.
ALTER TABLE crisis_alerts ADD COLUMN statement_model VARCHAR(100);
