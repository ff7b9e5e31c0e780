namespace HaCore.ContactCenter;

/// <summary>
/// A DN's dictionary key: the switch name and the number, compared ordinally so that sorting never
/// depends on culture or on hash codes.
/// </summary>
/// <param name="SwitchName">The switch the number belongs to.</param>
/// <param name="Number">The directory number, unique within its switch (E11).</param>
public readonly record struct DnKey(string SwitchName, string Number) : IComparable<DnKey>
{
    /// <summary>Creates the key of a <see cref="DnId"/>.</summary>
    /// <param name="id">The DN identifier.</param>
    /// <returns>The key.</returns>
    public static DnKey From(DnId id) => new(id.SwitchName, id.Number);

    /// <summary>Creates a <see cref="DnId"/> holding this key.</summary>
    /// <returns>A new message.</returns>
    public DnId ToDnId() => new() { SwitchName = SwitchName, Number = Number };

    /// <inheritdoc />
    public int CompareTo(DnKey other)
    {
        int c = string.CompareOrdinal(SwitchName, other.SwitchName);
        return c != 0 ? c : string.CompareOrdinal(Number, other.Number);
    }

    /// <inheritdoc />
    public override string ToString() => SwitchName + "/" + Number;
}

/// <summary>A T-Server connection ID: 64 bits, printed as 16 hex digits (E20).</summary>
/// <param name="Value">The raw value; 0 means none.</param>
public readonly record struct ConnId(ulong Value)
{
    /// <inheritdoc />
    public override string ToString() => Value.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
