using Xunit;

// Every test runs two node processes (and some a pair of proxies): never two tests at once on a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
