"""The steps of one report, from an accepted upload to its artifacts: intake, the job an
orchestration carries, the steps its activities run, the rows cache, failure texts, memory
hand-back and Durable instance ids."""
