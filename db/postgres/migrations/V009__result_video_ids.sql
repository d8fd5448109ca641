-- The provider's own ids of a task's result videos (Kling's `task_result.videos[].id`): lip sync and
-- other follow-ups name a finished video by this id, for 30 days.
ALTER TABLE tasks ADD COLUMN result_video_ids JSON NOT NULL DEFAULT '[]';
