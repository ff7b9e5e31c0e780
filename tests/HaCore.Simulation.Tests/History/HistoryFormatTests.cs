using HaCore.Testing.History;
using Xunit;

namespace HaCore.Simulation.Tests.History;

public sealed class HistoryFormatTests
{
    [Fact]
    public void JsonLineHasTheDocumentedShape()
    {
        var e = HistoryEvent.Invoke(3, HistoryFunction.Write, "agent-17", "Ready", time: 1700000000123);
        Assert.Equal(
            "{\"process\":3,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"agent-17\",\"value\":\"Ready\",\"time\":1700000000123}",
            HistoryJson.ToJsonLine(e));
        Assert.Equal(
            "{\"process\":1,\"type\":\"ok\",\"f\":\"cas\",\"key\":\"k\",\"value\":[null,\"b\"]}",
            HistoryJson.ToJsonLine(HistoryEvent.Ok(1, HistoryFunction.Cas, "k", HistoryValue.CasPair(null, "b"))));
    }

    [Fact]
    public void ParsesTheExampleFromTheFormatDocument()
    {
        const string Text = """
            {"process": 3, "type": "invoke", "f": "write", "key": "agent-17", "value": "Ready", "time": 1700000000123}
            {"process": 3, "type": "ok",     "f": "write", "key": "agent-17", "value": "Ready", "time": 1700000000456}
            """;
        var events = HistoryJson.Parse(Text);
        Assert.Equal(
            [
                HistoryEvent.Invoke(3, HistoryFunction.Write, "agent-17", "Ready", 1700000000123),
                HistoryEvent.Ok(3, HistoryFunction.Write, "agent-17", "Ready", 1700000000456),
            ],
            events);
    }

    [Fact]
    public void RoundTripsThroughATempFile()
    {
        var path = Path.Combine(Path.GetTempPath(), "hacore-history-" + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            long now = 0;
            IReadOnlyList<HistoryEvent> recorded;
            using (var recorder = new HistoryRecorder(path, clock: () => now += 10))
            {
                recorder.Invoke(1, HistoryFunction.Write, "x", "quote\" back\\slash \u00e9 \u2603 <tag>");
                recorder.Ok(1, HistoryFunction.Write, "x", "quote\" back\\slash \u00e9 \u2603 <tag>");
                recorder.Invoke(2, HistoryFunction.Cas, "x", HistoryValue.CasPair(null, "b"));
                recorder.Fail(2, HistoryFunction.Cas, "x", HistoryValue.CasPair(null, "b"));
                recorder.Invoke(3, HistoryFunction.Append, "l", "e1");
                recorder.Info(3, HistoryFunction.Append, "l", "e1");
                recorder.Invoke(4, HistoryFunction.Read, "l");
                recorder.Ok(4, HistoryFunction.Read, "l", HistoryValue.ListOf("e1"));
                recorder.Invoke(4, HistoryFunction.Read, "y");
                recorder.Record(HistoryEvent.Ok(4, HistoryFunction.Read, "y", HistoryValue.Null, time: 12345));
                recorded = recorder.Snapshot();
            }

            Assert.Equal(10, recorded.Count);
            Assert.Equal(10, recorded[0].Time);
            Assert.Equal(12345, recorded[^1].Time);
            var read = HistoryJson.ReadFile(path);
            Assert.Equal(recorded, read);

            // Writing the parsed events again gives the same bytes.
            var copy = path + ".copy";
            HistoryJson.WriteFile(copy, read);
            try
            {
                Assert.Equal(File.ReadAllText(path), File.ReadAllText(copy));
            }
            finally
            {
                File.Delete(copy);
            }

            var result = new LinearizabilityChecker().CheckFile(path);
            Assert.True(result.IsLinearizable, result.Explanation);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void WriteJsonLinesDumpsTheInMemoryHistory()
    {
        var path = Path.Combine(Path.GetTempPath(), "hacore-history-" + Guid.NewGuid().ToString("N") + ".jsonl");
        try
        {
            var recorder = new HistoryRecorder();
            recorder.Invoke(1, HistoryFunction.Read, "x");
            recorder.Ok(1, HistoryFunction.Read, "x", "a");
            recorder.WriteJsonLines(path);
            Assert.Equal(recorder.Snapshot(), HistoryJson.ReadFile(path));
            Assert.Equal(2, File.ReadAllLines(path).Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RecorderIsThreadSafeAndKeepsPerProcessOrder()
    {
        long clock = 0;
        var recorder = new HistoryRecorder(clock: () => ++clock);
        Parallel.For(0, 8, p =>
        {
            for (var i = 0; i < 500; i++)
            {
                var value = $"{p}-{i}";
                recorder.Invoke(p, HistoryFunction.Write, "k" + p, value);
                recorder.Ok(p, HistoryFunction.Write, "k" + p, value);
            }
        });
        var events = recorder.Snapshot();
        Assert.Equal(8000, events.Count);
        Assert.Equal(8000, recorder.Count);
        Assert.Empty(HistoryOperation.Validate(events));
        for (var i = 1; i < events.Count; i++)
        {
            Assert.True(events[i].Time > events[i - 1].Time, "times must increase in history order");
        }

        Assert.True(new LinearizabilityChecker().Check(events).IsLinearizable);
    }

    [Theory]
    [InlineData("{\"process\":1,\"type\":\"invoke\"", "invalid JSON")]
    [InlineData("[1,2]", "expected a JSON object")]
    [InlineData("{\"type\":\"invoke\",\"f\":\"read\",\"key\":\"x\"}", "missing \"process\"")]
    [InlineData("{\"process\":\"1\",\"type\":\"invoke\",\"f\":\"read\",\"key\":\"x\"}", "\"process\" must be an integer")]
    [InlineData("{\"process\":1.5,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"x\"}", "\"process\" must be an integer")]
    [InlineData("{\"process\":1,\"f\":\"read\",\"key\":\"x\"}", "missing \"type\"")]
    [InlineData("{\"process\":1,\"type\":\"started\",\"f\":\"read\",\"key\":\"x\"}", "\"type\" must be one of")]
    [InlineData("{\"process\":1,\"type\":\"invoke\",\"key\":\"x\"}", "missing \"f\"")]
    [InlineData("{\"process\":1,\"type\":\"invoke\",\"f\":\"delete\",\"key\":\"x\"}", "\"f\" must be one of")]
    [InlineData("{\"process\":1,\"type\":\"invoke\",\"f\":\"read\"}", "missing \"key\"")]
    [InlineData("{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":7}", "\"key\" must be a string")]
    [InlineData("{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"x\",\"value\":{\"a\":1}}", "\"value\" must be null, a string or an array")]
    [InlineData("{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"x\",\"value\":[1]}", "\"value\" must be null, a string or an array")]
    [InlineData("{\"process\":1,\"type\":\"invoke\",\"f\":\"write\",\"key\":\"x\",\"time\":\"now\"}", "\"time\" must be an integer")]
    public void MalformedLinesAreReportedWithTheirLineNumber(string badLine, string expectedProblem)
    {
        var text = "{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"x\",\"value\":null}\n"
            + "\n"
            + badLine + "\n"
            + "{\"process\":1,\"type\":\"ok\",\"f\":\"read\",\"key\":\"x\",\"value\":null}\n";
        var ex = Assert.Throws<HistoryFormatException>(() => HistoryJson.Parse(text, "h.jsonl"));
        Assert.Equal(3, ex.LineNumber);
        Assert.Equal("h.jsonl", ex.FileName);
        Assert.StartsWith("h.jsonl:3: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expectedProblem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFieldsAndMissingValueAreAccepted()
    {
        var e = HistoryJson.ParseLine("{\"process\":1,\"type\":\"invoke\",\"f\":\"read\",\"key\":\"x\",\"node\":\"n1\"}");
        Assert.Equal(HistoryEvent.Invoke(1, HistoryFunction.Read, "x"), e);
    }

    [Fact]
    public void WellFormedHistoryHasNoErrors()
    {
        var h = new HistoryBuilder().WriteOk(1, "x", "a").Cas(2, "x", "a", "b").Fail(2).Write(3, "x", "c").Info(3).Read(4, "x");
        Assert.Empty(HistoryOperation.Validate(h.Events));
        var ops = HistoryOperation.Pair(h.Events);
        Assert.Equal(4, ops.Count);
        Assert.Equal(HistoryEventType.Ok, ops[0].Status);
        Assert.Equal(HistoryEventType.Fail, ops[1].Status);
        Assert.Equal(HistoryEventType.Info, ops[2].Status);
        Assert.Equal(HistoryEventType.Info, ops[3].Status);
        Assert.Null(ops[3].CompleteIndex);
        Assert.Equal("p1 write \"a\" ok [events 1..2]", ops[0].ToString());
    }

    public static TheoryData<HistoryEvent[], string> MalformedHistories => new()
    {
        {
            [HistoryEvent.Ok(1, HistoryFunction.Write, "x", "a")],
            "event 1: ok write of process 1 on key \"x\" has no invoke in flight"
        },
        {
            [HistoryEvent.Invoke(1, HistoryFunction.Write, "x", "a"), HistoryEvent.Ok(1, HistoryFunction.Read, "x", "a")],
            "event 2: ok read key \"x\" of process 1 does not match its invoke at event 1 (write key \"x\")"
        },
        {
            [HistoryEvent.Invoke(1, HistoryFunction.Write, "x", "a"), HistoryEvent.Ok(1, HistoryFunction.Write, "y", "a")],
            "event 2: ok write key \"y\" of process 1 does not match its invoke at event 1 (write key \"x\")"
        },
        {
            [HistoryEvent.Invoke(1, HistoryFunction.Write, "x", "a"), HistoryEvent.Invoke(1, HistoryFunction.Read, "x")],
            "event 2: process 1 invokes read while its write invoked at event 1 is still in flight"
        },
        {
            [
                HistoryEvent.Invoke(1, HistoryFunction.Write, "x", "a"),
                HistoryEvent.Info(1, HistoryFunction.Write, "x", "a"),
                HistoryEvent.Invoke(1, HistoryFunction.Read, "x"),
            ],
            "event 3: process 1 has an event (invoke read) after its info at event 2"
        },
        {
            [HistoryEvent.Invoke(1, HistoryFunction.Cas, "x", "a")],
            "event 1: cas value must be [expected, new], got \"a\""
        },
        {
            [HistoryEvent.Invoke(1, HistoryFunction.Append, "x", HistoryValue.ListOf("a"))],
            "event 1: append value must be a string, got [\"a\"]"
        },
        {
            [HistoryEvent.Invoke(1, HistoryFunction.Write, "x", HistoryValue.ListOf("a"))],
            "event 1: write value must be a string or null, got [\"a\"]"
        },
        {
            [
                HistoryEvent.Invoke(1, HistoryFunction.Write, "x", "a"),
                HistoryEvent.Ok(1, HistoryFunction.Write, "x", "a"),
                HistoryEvent.Invoke(2, HistoryFunction.Append, "x", "e"),
            ],
            "event 3: key \"x\" is used as a list here but as a register at event 1"
        },
    };

    [Theory]
    [MemberData(nameof(MalformedHistories))]
    public void MalformedHistoriesAreRejectedWithClearErrors(HistoryEvent[] events, string expectedError)
    {
        Assert.Contains(expectedError, HistoryOperation.Validate(events));
        var ex = Assert.Throws<InvalidHistoryException>(() => HistoryOperation.Pair(events));
        Assert.Contains(expectedError, ex.Errors);
        Assert.Contains(expectedError, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HistoryValueEqualityAndRendering()
    {
        Assert.Equal(HistoryValue.Of("a"), (HistoryValue)"a");
        Assert.Equal(HistoryValue.Null, HistoryValue.Of(null));
        Assert.Equal(HistoryValue.CasPair("a", null), HistoryValue.ListOf("a", null));
        Assert.NotEqual(HistoryValue.ListOf("a"), HistoryValue.Of("a"));
        Assert.Equal(HistoryValue.ListOf("a", "b").GetHashCode(), HistoryValue.ListOf("a", "b").GetHashCode());
        Assert.Equal("[\"a\", null]", HistoryValue.CasPair("a", null).ToString());
        Assert.Equal("null", HistoryValue.Null.ToString());
        Assert.Equal("[\"1\", \"2\", ...2 more..., \"5\", \"6\"]", HistoryValue.ListOf("1", "2", "3", "4", "5", "6").ToShortString(4));
        Assert.Equal("[\"1\", \"2\"]", HistoryValue.ListOf("1", "2").ToShortString(4));
    }
}
