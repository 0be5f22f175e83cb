"""Pages of talent: pool (the pool and goals), awards (rounds, nominations, objections),
public (the notice and the winners, for anyone), studios, competitions (results and
promotion proposals); common holds the steps they share."""
