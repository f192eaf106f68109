extension Int {
    /// `self + other`, clamped to `Int.max` / `Int.min` instead of trapping: sums of sizes a server
    /// announces (which may be hostile) must not crash the process.
    public func addingClamped(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other > 0 ? .max : .min
    }
}
