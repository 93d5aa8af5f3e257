using RedundantGateway.Alarms;
using Xunit;

namespace RedundantGateway.Tests.Alarms;

public sealed class AlarmDefinitionSpec
{
    [Fact]
    public void A_full_definition_reads_every_field()
    {
        const string json = """
            {"tag":"projects/demo/tags/t001","condition":"above","setpoint":50,"deadband":1,"onDelayMs":2000,
             "offDelayMs":500,"priority":"high","displayPath":"Demo/Tank 1/High","notes":"check the pump"}
            """;
        Assert.True(AlarmDefinition.TryParse("projects/demo/alarms/a1", json, out var definition, out var error), error);
        Assert.Equal(new AlarmDefinition("projects/demo/alarms/a1", "projects/demo/tags/t001", AlarmCondition.Above, 50, 1,
            TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(500), AlarmPriority.High, "Demo/Tank 1/High", "check the pump"), definition);
    }

    [Fact]
    public void Optional_fields_take_their_defaults_and_bad_quality_needs_no_setpoint()
    {
        Assert.True(AlarmDefinition.TryParse("alarms/q", """{"tag":"tags/x","condition":"badQuality"}""", out var definition, out var error), error);
        Assert.Equal(AlarmCondition.BadQuality, definition!.Condition);
        Assert.Equal(AlarmPriority.Medium, definition.Priority);
        Assert.Equal("alarms/q", definition.DisplayPath);
        Assert.Equal(TimeSpan.Zero, definition.OnDelay);
        Assert.Equal(0, definition.Deadband);
    }

    [Theory]
    [InlineData("alarms/a", true)]
    [InlineData("projects/demo/alarms/a", true)]
    [InlineData("projects/alarms", false)]
    [InlineData("projects/demo/tags/t1", false)]
    [InlineData("myalarms/a", false)]
    public void An_alarm_path_has_an_alarms_segment(string path, bool expected) =>
        Assert.Equal(expected, AlarmDefinition.IsAlarmPath(path));

    [Fact]
    public void Only_an_object_with_a_tag_under_alarms_is_a_definition()
    {
        Assert.True(AlarmDefinition.IsDefinition("alarms/a", """{"tag":"t"}"""));
        Assert.False(AlarmDefinition.IsDefinition("alarms/a", """{"group":"g"}"""));
        Assert.False(AlarmDefinition.IsDefinition("alarms/a", "[1,2]"));
        Assert.False(AlarmDefinition.IsDefinition("tags/a", """{"tag":"t"}"""));
    }

    [Theory]
    [InlineData("""{"tag":"t","condition":"above"}""", "'setpoint' must be a number")]
    [InlineData("""{"tag":"t","condition":"over","setpoint":1}""", "'condition' must be above, below, equal or badQuality")]
    [InlineData("""{"tag":"t","setpoint":1}""", "'condition' is required")]
    [InlineData("""{"tag":"t","condition":"above","setpoint":1,"deadband":-1}""", "'deadband' must be a number of at least 0")]
    [InlineData("""{"tag":"t","condition":"above","setpoint":1,"onDelayMs":1.5}""", "'onDelayMs' must be whole milliseconds")]
    [InlineData("""{"tag":"t","condition":"above","setpoint":1,"offDelayMs":"5"}""", "'offDelayMs' must be a number")]
    [InlineData("""{"tag":"t","condition":"above","setpoint":1,"priority":"urgent"}""", "'priority' must be low, medium, high or critical")]
    [InlineData("""{"tag":"t","condition":"above","setPoint":1}""", "'setPoint' is not a key")]
    [InlineData("""{"tag":5,"condition":"above","setpoint":1}""", "'tag' must be the path of a tag")]
    [InlineData("""{"tag":"a b","condition":"above","setpoint":1}""", "'tag'")]
    [InlineData("""{"tag":"t","condition":"above","setpoint":1,"notes":7}""", "'notes' must be a string")]
    [InlineData("""[1]""", "must be a JSON object")]
    [InlineData("""{"tag":""", "is not valid JSON")]
    public void A_malformed_definition_is_refused_with_one_line_naming_the_key(string json, string expected)
    {
        Assert.False(AlarmDefinition.TryParse("alarms/bad", json, out var definition, out var error));
        Assert.Null(definition);
        Assert.Contains(expected, error);
        Assert.StartsWith("alarm 'alarms/bad'", error);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void A_path_without_an_alarms_segment_is_not_a_definition()
    {
        Assert.False(AlarmDefinition.TryParse("tags/t", """{"tag":"t","condition":"badQuality"}""", out _, out var error));
        Assert.Contains("no 'alarms' segment", error);
    }

    [Fact]
    public void An_edit_check_refuses_a_definition_on_a_missing_tag_and_ignores_other_resources()
    {
        var tags = new HashSet<string> { "projects/demo/tags/t001" };
        const string onT1 = """{"tag":"projects/demo/tags/t001","condition":"badQuality"}""";
        const string onT9 = """{"tag":"projects/demo/tags/t009","condition":"badQuality"}""";
        Assert.True(AlarmDefinition.CheckEdit("projects/demo/alarms/a", onT1, tags.Contains, out var error), error);
        Assert.False(AlarmDefinition.CheckEdit("projects/demo/alarms/a", onT9, tags.Contains, out error));
        Assert.Equal("alarm 'projects/demo/alarms/a': 'tag' names no tag: 'projects/demo/tags/t009' is not in the configuration", error);
        Assert.False(AlarmDefinition.CheckEdit("alarms/b", """{"tag":"projects/demo/tags/t001"}""", tags.Contains, out error));
        Assert.Contains("'condition' is required", error);
        Assert.True(AlarmDefinition.CheckEdit("projects/demo/tags/t001", "{}", tags.Contains, out _));
        Assert.True(AlarmDefinition.CheckEdit("alarms/notes", "\"text\"", tags.Contains, out _));
    }
}
