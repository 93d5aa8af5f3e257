using RedundantGateway.Cli;

var console = new CliConsole(Console.In, Console.Out, Console.Error, Console.IsInputRedirected, Console.IsOutputRedirected);
return await RgwApp.RunAsync(args, console);
