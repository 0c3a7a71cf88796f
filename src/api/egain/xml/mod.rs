//! XML for the eGain door: a namespace-aware reader into a small element tree, and a writer.
