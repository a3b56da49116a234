"""Question answering over the planning corpus: grounded answers, analysis and exam-style choice questions."""
