package web_test

import (
	"testing"

	"github.com/coventry/workshops/internal/testenv"
)

// TestMain migrates one template database for the package's tests to copy.
func TestMain(m *testing.M) { testenv.Main(m) }
