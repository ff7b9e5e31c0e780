using System.Collections;
using System.Reflection;
using MessagePack;
using Xunit;

namespace HaCore.ContactCenter.Tests;

/// <summary>
/// Every member of every contract survives its hand-written formatter and its hand-written Clone: each
/// contract is filled by reflection, every [Key] member with a value other than its default (nested
/// contracts and one list item too), then encoded and decoded, and cloned, and compared member by member.
/// Equality of the contracts cannot catch this (it compares encodings, which both miss a forgotten
/// member), so the comparison walks the properties.
/// </summary>
public sealed class ContractMembersTests
{
    private const int MaxDepth = 4;

    public static TheoryData<string> Contracts() => [.. ContractTypes().Select(t => t.Name)];

    private static IEnumerable<Type> ContractTypes() =>
        typeof(Command).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IContract<>)))
            .Order(Comparer<Type>.Create((a, b) => string.CompareOrdinal(a.Name, b.Name)));

    [Theory]
    [MemberData(nameof(Contracts))]
    public void Every_member_survives_encoding_and_clone(string name)
    {
        var type = ContractTypes().Single(t => t.Name == name);
        foreach (var filled in Fillings(type))
        {
            var decoded = MessagePackSerializer.Deserialize(type, MessagePackSerializer.Serialize(type, filled, Contract.Options, TestContext.Current.CancellationToken), Contract.Options, TestContext.Current.CancellationToken);
            var lost = Differences(filled, decoded, type.Name).ToList();
            Assert.True(lost.Count == 0, $"encoding loses: {string.Join(", ", lost)}");

            var clone = type.GetMethod("Clone", Type.EmptyTypes)!.Invoke(filled, null)!;
            Assert.NotSame(filled, clone);
            lost = Differences(filled, clone, type.Name).ToList();
            Assert.True(lost.Count == 0, $"Clone loses: {string.Join(", ", lost)}");
        }
    }

    [Fact]
    public void The_filling_reaches_every_key_of_every_contract()
    {
        // The check above is only as good as the filling: every [Key] member gets a non-default value.
        foreach (var type in ContractTypes())
        {
            foreach (var filled in Fillings(type))
            {
                foreach (var property in KeyMembers(type))
                {
                    var value = property.GetValue(filled);
                    Assert.False(IsDefault(value), $"{type.Name}.{property.Name} was left at its default");
                }
            }
        }
    }

    /// <summary>One filled instance of <paramref name="type"/>, or one per case of a union.</summary>
    private static IEnumerable<object> Fillings(Type type)
    {
        if (type == typeof(Command))
        {
            // One command per kind: each kind is a member of the union at key 2.
            foreach (var kind in typeof(Command).Assembly.GetTypes().Where(t => t.IsClass && typeof(ICommandKind).IsAssignableFrom(t)).Order(Comparer<Type>.Create((a, b) => string.CompareOrdinal(a.Name, b.Name))))
            {
                var command = (Command)Fill(typeof(Command), 0, skip: nameof(Command.Kind));
                command.Kind = (ICommandKind)Fill(kind, 1);
                yield return command;
            }

            yield break;
        }

        if (type == typeof(KvValue))
        {
            yield return new KvValue { Str = "text" };
            yield return new KvValue { Int = -42 };
            yield return new KvValue { Binary = new byte[] { 1, 2, 3 } };
            yield return new KvValue { List = (KvList)Fill(typeof(KvList), 1) };
            yield break;
        }

        yield return Fill(type, 0);
    }

    private static object Fill(Type type, int depth, string? skip = null)
    {
        var instance = Activator.CreateInstance(type)!;
        var n = 0;
        foreach (var property in KeyMembers(type))
        {
            n++;
            if (property.Name == skip)
            {
                continue;
            }

            property.SetValue(instance, Value(property.PropertyType, depth, n));
        }

        return instance;
    }

    private static object? Value(Type type, int depth, int n)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string))
        {
            return $"v{n}-{depth}";
        }

        if (underlying == typeof(bool))
        {
            return true;
        }

        if (underlying.IsEnum)
        {
            var values = Enum.GetValues(underlying).Cast<object>().Where(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) != 0).ToList();
            return values.Count == 0 ? Activator.CreateInstance(underlying) : values[n % values.Count];
        }

        if (underlying.IsPrimitive)
        {
            return Convert.ChangeType(100 + n + depth, underlying, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (underlying == typeof(ReadOnlyMemory<byte>))
        {
            return new ReadOnlyMemory<byte>([(byte)n, 0xff, (byte)depth]);
        }

        if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(List<>))
        {
            var list = (IList)Activator.CreateInstance(underlying)!;
            var item = underlying.GetGenericArguments()[0];
            if (Value(item, depth + 1, n) is { } one)
            {
                list.Add(one);
            }

            return list;
        }

        if (underlying == typeof(KvValue))
        {
            return new KvValue { Str = $"kv{n}" };
        }

        if (underlying == typeof(ICommandKind))
        {
            return Fill(typeof(SessionOpened), depth + 1);
        }

        if (underlying.IsClass)
        {
            return depth < MaxDepth ? Fill(underlying, depth + 1) : null;
        }

        throw new InvalidOperationException($"no filling for members of type {type}");
    }

    private static IEnumerable<PropertyInfo> KeyMembers(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<KeyAttribute>() is not null && p.CanWrite && p.SetMethod!.IsPublic)
            .OrderBy(p => p.GetCustomAttribute<KeyAttribute>()!.IntKey);

    private static bool IsDefault(object? value) => value switch
    {
        null => true,
        string s => s.Length == 0,
        ReadOnlyMemory<byte> m => m.IsEmpty,
        IList list => list.Count == 0,
        _ when value.GetType().IsValueType => value.Equals(Activator.CreateInstance(value.GetType())),
        _ => false,
    };

    /// <summary>The member paths where <paramref name="actual"/> differs from <paramref name="expected"/>.</summary>
    private static IEnumerable<string> Differences(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            if (!(expected is null && IsDefault(actual)) && !(actual is null && IsDefault(expected)))
            {
                yield return path;
            }

            yield break;
        }

        var type = expected.GetType();
        if (type != actual.GetType())
        {
            yield return $"{path} (a {actual.GetType().Name}, not a {type.Name})";
            yield break;
        }

        switch (expected)
        {
            case string or bool or Enum:
            case var _ when type.IsPrimitive:
                if (!expected.Equals(actual))
                {
                    yield return path;
                }

                yield break;
            case ReadOnlyMemory<byte> bytes:
                if (!bytes.Span.SequenceEqual(((ReadOnlyMemory<byte>)actual).Span))
                {
                    yield return path;
                }

                yield break;
            case IList list:
                var other = (IList)actual;
                if (list.Count != other.Count)
                {
                    yield return $"{path} ({other.Count} items, not {list.Count})";
                    yield break;
                }

                for (var i = 0; i < list.Count; i++)
                {
                    foreach (var d in Differences(list[i], other[i], $"{path}[{i}]"))
                    {
                        yield return d;
                    }
                }

                yield break;
            case KvValue value:
                var kv = (KvValue)actual;
                if (value.ValueCase != kv.ValueCase || value.Str != kv.Str || value.Int != kv.Int || !value.Binary.Span.SequenceEqual(kv.Binary.Span))
                {
                    yield return path;
                }

                foreach (var d in Differences(value.List, kv.List, path + ".List"))
                {
                    yield return d;
                }

                yield break;
        }

        foreach (var property in KeyMembers(type).Concat(type.GetProperties().Where(p => p.Name == nameof(Command.Kind) && type == typeof(Command))).Distinct())
        {
            foreach (var d in Differences(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}"))
            {
                yield return d;
            }
        }
    }
}
