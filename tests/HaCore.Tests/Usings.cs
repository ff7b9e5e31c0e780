global using Xunit;
global using HaCore.Testing.Runtime;
