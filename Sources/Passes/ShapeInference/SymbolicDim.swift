/// A tensor dimension that is a known size or an integer polynomial over named dimensions
/// (`batch*seq`, `N + 1`, `2*H`). Floor and ceiling divisions that do not come out exact become
/// opaque atoms (`floor((H + 1)/2)`), so equal expressions still compare equal.
public struct SymbolicDim: Hashable, Sendable, CustomStringConvertible {
    /// Coefficient per product of atoms (atoms sorted); the empty product is the constant term.
    private var terms: [[String]: Int]

    public init(_ value: Int) { terms = value == 0 ? [:] : [[]: value] }

    public init(symbol: String) { terms = [[symbol]: 1] }

    private init(terms: [[String]: Int]) { self.terms = terms.filter { $0.value != 0 } }

    /// The size, when the expression has no symbols.
    public var value: Int? {
        if terms.isEmpty { return 0 }
        if terms.count == 1, let constant = terms[[]] { return constant }
        return nil
    }

    public var isSymbolic: Bool { value == nil }

    /// Whether the expression is never positive: no term has a positive coefficient, and the
    /// symbols stand for sizes, which are not negative (`-seq`, `-2*batch - 1`).
    public var isNeverPositive: Bool { terms.values.allSatisfy { $0 <= 0 } }

    /// Symbols stand for dims, which are never negative.
    public var isNeverNegative: Bool { terms.values.allSatisfy { $0 >= 0 } }

    // Wrapping arithmetic: absurd declared sizes must not trap; real dims stay far below 2^63.
    public static func + (a: SymbolicDim, b: SymbolicDim) -> SymbolicDim {
        SymbolicDim(terms: a.terms.merging(b.terms, uniquingKeysWith: &+))
    }

    public static func - (a: SymbolicDim, b: SymbolicDim) -> SymbolicDim { a + b * SymbolicDim(-1) }

    public static func * (a: SymbolicDim, b: SymbolicDim) -> SymbolicDim {
        var product: [[String]: Int] = [:]
        for (atomsA, coefficientA) in a.terms {
            for (atomsB, coefficientB) in b.terms {
                product[(atomsA + atomsB).sorted(), default: 0] &+= coefficientA &* coefficientB
            }
        }
        return SymbolicDim(terms: product)
    }

    /// a / b when it divides exactly (by a constant, or by a single term such as `seq` in
    /// `batch*seq`); nil otherwise.
    public func dividedExactly(by divisor: SymbolicDim) -> SymbolicDim? {
        guard divisor.terms.count == 1, let (atoms, coefficient) = divisor.terms.first, coefficient != 0 else { return nil }
        var quotient: [[String]: Int] = [:]
        for (termAtoms, termCoefficient) in terms {
            guard termCoefficient % coefficient == 0, let rest = Self.removing(atoms, from: termAtoms) else { return nil }
            quotient[rest, default: 0] += termCoefficient / coefficient
        }
        return SymbolicDim(terms: quotient)
    }

    /// ⌊a / k⌋ for a positive constant k: exact where it can be, an opaque atom otherwise.
    public func floorDivided(by k: Int) -> SymbolicDim {
        precondition(k > 0)
        if let value { return SymbolicDim(Self.floorDivide(value, k)) }
        if k == 1 { return self }
        if let exact = dividedExactly(by: SymbolicDim(k)) { return exact }
        return SymbolicDim(symbol: "floor((\(self))/\(k))")
    }

    /// ⌈a / k⌉ for a positive constant k.
    public func ceilDivided(by k: Int) -> SymbolicDim {
        precondition(k > 0)
        if let value { return SymbolicDim(-Self.floorDivide(-value, k)) }
        if k == 1 { return self }
        if let exact = dividedExactly(by: SymbolicDim(k)) { return exact }
        return SymbolicDim(symbol: "ceil((\(self))/\(k))")
    }

    /// Written as a dim_param: terms by descending degree, then by name, the constant last.
    public var description: String {
        if let value { return String(value) }
        let ordered = terms.sorted { a, b in
            a.key.count != b.key.count ? a.key.count > b.key.count : a.key.lexicographicallyPrecedes(b.key)
        }
        var text = ""
        for (index, (atoms, coefficient)) in ordered.enumerated() {
            let magnitude = abs(coefficient)
            let product = atoms.isEmpty ? String(magnitude) : (magnitude == 1 ? "" : "\(magnitude)*") + atoms.joined(separator: "*")
            if index == 0 {
                text = (coefficient < 0 ? "-" : "") + product
            } else {
                text += (coefficient < 0 ? " - " : " + ") + product
            }
        }
        return text
    }

    private static func floorDivide(_ a: Int, _ b: Int) -> Int {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// `atoms` with each of `divisor`'s atoms removed once; nil if one is missing.
    private static func removing(_ divisor: [String], from atoms: [String]) -> [String]? {
        var rest = atoms
        for atom in divisor {
            guard let index = rest.firstIndex(of: atom) else { return nil }
            rest.remove(at: index)
        }
        return rest
    }
}

extension SymbolicDim: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}
