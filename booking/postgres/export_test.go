package postgres

// SetReferenceSource replaces the reference generator until the returned
// function restores it.
func SetReferenceSource(f func() string) (restore func()) {
	old := newReference
	newReference = f
	return func() { newReference = old }
}

// NewReference draws a reference as confirmations do.
func NewReference() string { return newReference() }

// NormalizeReference is normalizeReference, for tests.
var NormalizeReference = normalizeReference
