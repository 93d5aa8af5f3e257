namespace RedundantGateway.Pair.Tests;
