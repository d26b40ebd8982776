-- Bumped by every change of the global reputation lists, so that each server notices a
-- change made anywhere (dashboard, CLI, another server) with one cheap read.
CREATE TABLE reputation_version (
    id       INTEGER PRIMARY KEY,
    version  BIGINT NOT NULL
);
INSERT INTO reputation_version (id, version) VALUES (1, 0);
-- Searching a list by part of a value pages through that list in value order.
