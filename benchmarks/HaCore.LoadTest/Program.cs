using HaCore.LoadTest;

// One executable, two roles: the controller (default) and, with `node` first, one node host that the controller
// starts as a child process. See RunOptions.Usage and NodeHost.
if (args is ["node", ..])
{
    return await NodeHost.RunAsync(args[1..]);
}

if (args is ["--help" or "-h", ..])
{
    Console.WriteLine(RunOptions.Usage);
    return 0;
}

return await Controller.MainAsync(args);
