package costreportexporter // import "github.com/quell-otel/quell/exporter/costreportexporter"

import (
	"encoding/json"
	"path/filepath"
	"strings"
)

// FOCUS metadata (specification/metadata): a Schema object per dataset
// instance naming the FocusVersion and the columns, the DataGenerator, and
// (1.3+) the DatasetInstance collection. FOCUS asks that the schema be
// retrievable without opening the data, so it is written as files of its
// own in <directory>/metadata/, and each JSON summary names its schema.

const dataGenerator = "Quell cost_report"

// The dataset instances: the hourly and the daily files are two instances
// of the Cost and Usage dataset.
var datasetInstances = []datasetInstance{
	{ID: "quell-cost-report-hourly", Name: "Telemetry Cost and Usage Hourly", FocusDatasetID: "CostAndUsage"},
	{ID: "quell-cost-report-daily", Name: "Telemetry Cost and Usage Daily", FocusDatasetID: "CostAndUsage"},
}

type datasetInstance struct {
	ID             string `json:"DatasetInstanceId"`
	Name           string `json:"DatasetInstanceName"`
	FocusDatasetID string `json:"FocusDatasetId"`
}

type columnDefinition struct {
	ColumnName string `json:"ColumnName"`
	DataType   string `json:"DataType"`
	// NumericPrecision and NumberScale describe Decimals: costs keep 10
	// decimal places (roundMoney).
	NumericPrecision int    `json:"NumericPrecision,omitempty"`
	NumberScale      int    `json:"NumberScale,omitempty"`
	StringEncoding   string `json:"StringEncoding,omitempty"`
}

type schemaMetadata struct {
	SchemaID          string             `json:"SchemaId"`
	FocusVersion      string             `json:"FocusVersion"`
	DataGenerator     string             `json:"DataGenerator"`
	DatasetInstanceID string             `json:"DatasetInstanceId"`
	ColumnDefinition  []columnDefinition `json:"ColumnDefinition"`
}

// columnType is the FOCUS data type of one of our columns.
func columnType(c string) columnDefinition {
	d := columnDefinition{ColumnName: c, DataType: "STRING", StringEncoding: "UTF-8"}
	switch {
	case c == "Tags" || c == "SkuPriceDetails":
		d = columnDefinition{ColumnName: c, DataType: "JSON"}
	case strings.HasSuffix(c, "PeriodStart") || strings.HasSuffix(c, "PeriodEnd"):
		d = columnDefinition{ColumnName: c, DataType: "DATETIME"}
	case strings.HasSuffix(c, "Cost") || strings.HasSuffix(c, "Price") || strings.HasSuffix(c, "Quantity"):
		d = columnDefinition{ColumnName: c, DataType: "DECIMAL", NumericPrecision: 38, NumberScale: 10}
	case strings.HasSuffix(c, "Records") || strings.HasSuffix(c, "Bytes"):
		d = columnDefinition{ColumnName: c, DataType: "DECIMAL", NumericPrecision: 20}
	}
	return d
}

// schemaFor returns the schema of one dataset instance.
func (f *focusSpec) schemaFor(inst datasetInstance) schemaMetadata {
	s := schemaMetadata{
		SchemaID: f.schemaID() + "-" + strings.TrimPrefix(inst.ID, "quell-cost-report-"), FocusVersion: f.version,
		DataGenerator: dataGenerator, DatasetInstanceID: inst.ID,
	}
	for _, c := range f.columns {
		s.ColumnDefinition = append(s.ColumnDefinition, columnType(c))
	}
	return s
}

// metadataFile is one file of <directory>/metadata/.
type metadataFile struct {
	name string
	data []byte
}

// metadataFiles returns the metadata of the configured version. Schema
// files are named by their ID, so a version or column change adds a new
// schema object and leaves the old one for the files written under it.
func (f *focusSpec) metadataFiles() ([]metadataFile, error) {
	var files []metadataFile
	add := func(name string, v any) error {
		b, err := json.MarshalIndent(v, "", "  ")
		files = append(files, metadataFile{filepath.Join("metadata", name), append(b, '\n')})
		return err
	}
	if err := add("data_generator.json", map[string]string{"DataGenerator": dataGenerator}); err != nil {
		return nil, err
	}
	if err := add("dataset_instances.json", datasetInstances); err != nil {
		return nil, err
	}
	for _, inst := range datasetInstances {
		s := f.schemaFor(inst)
		if err := add("schemas/schema-"+s.SchemaID+".json", s); err != nil {
			return nil, err
		}
	}
	return files, nil
}
