package main

import (
	"testing"

	"github.com/coventry/workshops/internal/testenv"
)

// TestMain drops the tests' databases in the background (testenv.Main).
func TestMain(m *testing.M) { testenv.Main(m) }
