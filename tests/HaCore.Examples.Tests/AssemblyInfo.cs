// The cluster tests and the failover run start nodes and time elections: run one class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
