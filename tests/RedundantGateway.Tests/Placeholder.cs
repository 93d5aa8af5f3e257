namespace RedundantGateway.Tests;
